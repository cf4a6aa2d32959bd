from .journal import Journal
from .money import format_amount


def trial_balance(journal: Journal) -> list:
    return [(a.name, journal.balance(a.name)) for a in journal.accounts()]


def net_income(journal: Journal) -> int:
    total = 0
    for a in journal.accounts():
        if a.kind in ("income", "expense"):
            total -= journal.balance(a.name)
    return total


def format_trial_balance(journal: Journal) -> str:
    rows = trial_balance(journal)
    lines = [f"{name:<20}{format_amount(balance):>12}" for name, balance in rows]
    total = sum(balance for _, balance in rows)
    lines.append(f"{'TOTAL':<20}{format_amount(total):>12}")
    return "\n".join(lines)
