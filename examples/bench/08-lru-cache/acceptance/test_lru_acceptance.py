import pytest

from lru import LRUCache, memoize


@pytest.mark.parametrize("bad", [0, -3, 1.5, "2", True])
def test_capacity_validation(bad):
    with pytest.raises(ValueError):
        LRUCache(bad)


def test_eviction_order_follows_use():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1
    c.put("c", 3)
    assert "b" not in c
    assert c.keys() == ["a", "c"]
    assert len(c) == 2
    assert c.stats() == {"hits": 1, "misses": 0, "evictions": 1}


def test_update_refreshes_recency_without_eviction():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.put("a", 10)
    assert c.keys() == ["b", "a"]
    assert c.get("a") == 10
    assert c.stats()["evictions"] == 0


def test_get_default_and_contains_do_not_touch_recency():
    c = LRUCache(3)
    c.put(1, "x")
    c.put(2, "y")
    assert c.get(99, "dflt") == "dflt"
    assert 1 in c
    assert c.keys() == [1, 2]
    assert c.stats() == {"hits": 0, "misses": 1, "evictions": 0}


def test_resize_evicts_oldest():
    c = LRUCache(4)
    for k in "abcd":
        c.put(k, k.upper())
    c.resize(2)
    assert c.keys() == ["c", "d"]
    assert c.stats()["evictions"] == 2
    with pytest.raises(ValueError):
        c.resize(0)


def test_memoize_caches_by_arguments():
    calls = []

    @memoize(2)
    def square(x):
        calls.append(x)
        return x * x

    assert [square(2), square(2), square(3), square(4), square(2)] == [4, 4, 9, 16, 4]
    assert calls == [2, 3, 4, 2]
    assert isinstance(square.cache, LRUCache)
    assert square.cache.stats() == {"hits": 1, "misses": 4, "evictions": 2}
