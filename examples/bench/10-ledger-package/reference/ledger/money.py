import re

_AMOUNT = re.compile(r"(-?)(\d+)(?:\.(\d{1,2}))?")


def parse_amount(text: str) -> int:
    m = _AMOUNT.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an amount: {text!r}")
    sign, euros, cents = m.groups()
    value = int(euros) * 100 + int((cents or "0").ljust(2, "0"))
    return -value if sign else value


def format_amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
