from dataclasses import dataclass

KINDS = ("asset", "liability", "equity", "income", "expense")


@dataclass
class Account:
    name: str
    kind: str

    def __post_init__(self):
        if not self.name:
            raise ValueError("account name must not be empty")
        if self.kind not in KINDS:
            raise ValueError(f"unknown account kind {self.kind!r}")
