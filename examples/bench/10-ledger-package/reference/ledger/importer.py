from .journal import Journal, Transaction
from .money import parse_amount


def load_csv(text: str, journal: Journal) -> int:
    count = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if lineno == 1 and line.startswith("date"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != 5:
            raise ValueError(f"line {lineno}: expected 5 fields, got {len(fields)}")
        date, description, debit, credit, amount = fields
        try:
            cents = parse_amount(amount)
            journal.record(Transaction(date, description, [(debit, cents), (credit, -cents)]))
        except KeyError as e:
            raise ValueError(f"line {lineno}: unknown account {e.args[0]}") from None
        except ValueError as e:
            raise ValueError(f"line {lineno}: {e}") from None
        count += 1
    return count
