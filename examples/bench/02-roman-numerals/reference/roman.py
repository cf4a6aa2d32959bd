"""Reference solution: validity check for the acceptance tests only (never shown to the model)."""
_TABLE = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]


def to_roman(n):
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 3999:
        raise ValueError(f"cannot write {n!r} as a Roman numeral")
    out = []
    for value, letters in _TABLE:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def from_roman(s):
    if not isinstance(s, str) or not s:
        raise ValueError("empty numeral")
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, ch in enumerate(s):
        if ch not in values:
            raise ValueError(f"bad letter {ch!r}")
        v = values[ch]
        if i + 1 < len(s) and values.get(s[i + 1], 0) > v:
            total -= v
        else:
            total += v
    if not 1 <= total <= 3999 or to_roman(total) != s:
        raise ValueError(f"not a canonical numeral: {s!r}")
    return total


def add_roman(a, b):
    return to_roman(from_roman(a) + from_roman(b))
