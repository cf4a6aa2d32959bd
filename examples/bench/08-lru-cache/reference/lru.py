"""Reference solution: validity check for the acceptance tests only (never shown to the model)."""
from collections import OrderedDict
import functools


def _check(capacity):
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise ValueError("capacity must be an int >= 1")


class LRUCache:
    def __init__(self, capacity):
        _check(capacity)
        self._capacity = capacity
        self._data = OrderedDict()
        self._stats = {"hits": 0, "misses": 0, "evictions": 0}

    def get(self, key, default=None):
        if key in self._data:
            self._data.move_to_end(key)
            self._stats["hits"] += 1
            return self._data[key]
        self._stats["misses"] += 1
        return default

    def put(self, key, value):
        self._data[key] = value
        self._data.move_to_end(key)
        self._evict()

    def _evict(self):
        while len(self._data) > self._capacity:
            self._data.popitem(last=False)
            self._stats["evictions"] += 1

    def __contains__(self, key):
        return key in self._data

    def __len__(self):
        return len(self._data)

    def keys(self):
        return list(self._data)

    def stats(self):
        return dict(self._stats)

    def resize(self, capacity):
        _check(capacity)
        self._capacity = capacity
        self._evict()


_MISSING = object()


def memoize(capacity):
    def decorate(fn):
        cache = LRUCache(capacity)

        @functools.wraps(fn)
        def wrapper(*args):
            value = cache.get(args, _MISSING)
            if value is _MISSING:
                value = fn(*args)
                cache.put(args, value)
            return value

        wrapper.cache = cache
        return wrapper

    return decorate
