import re

import pytest

from shortener import URLShortener


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_generated_codes_are_six_alphanumerics_and_resolve():
    s = URLShortener(clock=Clock())
    codes = {s.shorten(f"https://example.com/page/{i}") for i in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9]{6}", c) for c in codes)
    code = s.shorten("http://a.example/x?y=1")
    assert s.resolve(code) == "http://a.example/x?y=1"


def test_same_url_gets_same_code():
    s = URLShortener(clock=Clock())
    assert s.shorten("https://example.com") == s.shorten("https://example.com")


@pytest.mark.parametrize("url", ["", "example.com", "ftp://example.com", "https://", "http:///path"])
def test_invalid_urls(url):
    with pytest.raises(ValueError):
        URLShortener(clock=Clock()).shorten(url)


def test_custom_codes():
    s = URLShortener(clock=Clock())
    assert s.shorten("https://example.com/a", custom_code="my-link_1") == "my-link_1"
    assert s.resolve("my-link_1") == "https://example.com/a"
    with pytest.raises(KeyError):
        s.shorten("https://example.com/b", custom_code="my-link_1")
    for bad in ["ab", "x" * 21, "has space", "dot.ted"]:
        with pytest.raises(ValueError):
            s.shorten("https://example.com/c", custom_code=bad)


def test_stats_count_visits():
    clock = Clock()
    s = URLShortener(clock=clock)
    code = s.shorten("https://example.com")
    clock.now = 2000.0
    for _ in range(3):
        s.resolve(code)
    assert s.stats(code) == {"url": "https://example.com", "visits": 3, "created": 1000.0}


def test_expiry():
    clock = Clock()
    s = URLShortener(clock=clock)
    code = s.shorten("https://example.com/tmp", ttl_seconds=60)
    clock.now = 1059.0
    assert s.resolve(code) == "https://example.com/tmp"
    clock.now = 1060.5
    with pytest.raises(KeyError):
        s.resolve(code)
    with pytest.raises(KeyError):
        s.stats(code)


def test_delete_and_unknown_codes():
    s = URLShortener(clock=Clock())
    code = s.shorten("https://example.com")
    s.delete(code)
    with pytest.raises(KeyError):
        s.resolve(code)
    with pytest.raises(KeyError):
        s.delete(code)
    with pytest.raises(KeyError):
        s.stats("nope")
