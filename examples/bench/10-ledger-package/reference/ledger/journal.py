from dataclasses import dataclass, field

from .accounts import Account


class UnbalancedError(ValueError):
    pass


@dataclass
class Transaction:
    date: str
    description: str
    postings: list = field(default_factory=list)

    def __post_init__(self):
        if len(self.postings) < 2:
            raise UnbalancedError("a transaction needs at least two postings")
        if sum(cents for _, cents in self.postings) != 0:
            raise UnbalancedError(f"postings of {self.description!r} do not sum to zero")


class Journal:
    def __init__(self):
        self._accounts = {}
        self._balances = {}
        self._transactions = []

    def add_account(self, account: Account) -> None:
        if account.name in self._accounts:
            raise ValueError(f"account {account.name} already exists")
        self._accounts[account.name] = account
        self._balances[account.name] = 0

    def record(self, txn: Transaction) -> None:
        for name, _ in txn.postings:
            if name not in self._accounts:
                raise KeyError(name)
        for name, cents in txn.postings:
            self._balances[name] += cents
        self._transactions.append(txn)

    def balance(self, name: str) -> int:
        return self._balances[name]

    def accounts(self) -> list:
        return [self._accounts[n] for n in sorted(self._accounts)]

    def transactions(self, start=None, end=None) -> list:
        return [t for t in self._transactions
                if (start is None or start <= t.date) and (end is None or t.date <= end)]
