from dataclasses import dataclass


@dataclass
class Book:
    isbn: str
    title: str
    author: str
    copies: int = 1

    def __post_init__(self):
        if not self.isbn or not self.title:
            raise ValueError("isbn and title must not be empty")
        if self.copies < 0:
            raise ValueError("copies must be >= 0")


@dataclass
class Member:
    member_id: str
    name: str
    max_loans: int = 3

    def __post_init__(self):
        if not self.member_id:
            raise ValueError("member_id must not be empty")
        if self.max_loans < 1:
            raise ValueError("max_loans must be >= 1")
