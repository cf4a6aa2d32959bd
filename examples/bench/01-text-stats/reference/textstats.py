"""Reference solution: validity check for the acceptance tests only (never shown to the model)."""
import re
from collections import Counter

_WORD = re.compile(r"[A-Za-z0-9']+")


def _words(text):
    return _WORD.findall(text)


def word_count(text):
    return len(_words(text))


def sentence_count(text):
    if not text.strip():
        return 0
    runs = re.findall(r"[.!?]+", text)
    if runs:
        return len(runs)
    return 1 if _words(text) else 0


def top_words(text, n):
    if n < 0:
        raise ValueError("n must be >= 0")
    counts = Counter(w.lower() for w in _words(text))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[:n]


def average_word_length(text):
    words = _words(text)
    if not words:
        return 0.0
    return round(sum(len(w) for w in words) / len(words), 2)
