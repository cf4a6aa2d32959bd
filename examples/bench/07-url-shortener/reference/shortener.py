"""Reference solution: validity check for the acceptance tests only (never shown to the model)."""
import random
import re
import string
import time

_ALPHABET = string.ascii_letters + string.digits
_CUSTOM = re.compile(r"[A-Za-z0-9_-]{3,20}")
_URL = re.compile(r"https?://[^/\s?#]+")


class URLShortener:
    def __init__(self, clock=None):
        self._clock = clock or time.time
        self._links = {}
        self._by_url = {}
        self._rng = random.Random()

    def _live(self, code):
        link = self._links.get(code)
        if link is None:
            raise KeyError(code)
        if link["expires"] is not None and self._clock() >= link["expires"]:
            del self._links[code]
            raise KeyError(code)
        return link

    def _is_live(self, code):
        try:
            self._live(code)
            return True
        except KeyError:
            return False

    def shorten(self, url, custom_code=None, ttl_seconds=None):
        if not isinstance(url, str) or not _URL.match(url):
            raise ValueError(f"not an http(s) URL: {url!r}")
        if custom_code is not None:
            if not isinstance(custom_code, str) or not _CUSTOM.fullmatch(custom_code):
                raise ValueError(f"bad custom code {custom_code!r}")
            if self._is_live(custom_code):
                raise KeyError(f"code {custom_code!r} is taken")
            code = custom_code
        else:
            if ttl_seconds is None and url in self._by_url:
                existing = self._by_url[url]
                if self._is_live(existing):
                    return existing
            while True:
                code = "".join(self._rng.choice(_ALPHABET) for _ in range(6))
                if not self._is_live(code):
                    break
            if ttl_seconds is None:
                self._by_url[url] = code
        now = self._clock()
        self._links[code] = {
            "url": url,
            "visits": 0,
            "created": now,
            "expires": None if ttl_seconds is None else now + ttl_seconds,
        }
        return code

    def resolve(self, code):
        link = self._live(code)
        link["visits"] += 1
        return link["url"]

    def stats(self, code):
        link = self._live(code)
        return {"url": link["url"], "visits": link["visits"], "created": link["created"]}

    def delete(self, code):
        if code not in self._links:
            raise KeyError(code)
        del self._links[code]
