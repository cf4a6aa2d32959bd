from dataclasses import replace

from .errors import UnknownBook
from .models import Book


class Catalog:
    def __init__(self):
        self._books = {}

    def add(self, book: Book) -> None:
        if book.isbn in self._books:
            self._books[book.isbn].copies += book.copies
        else:
            self._books[book.isbn] = replace(book)

    def get(self, isbn: str) -> Book:
        try:
            return self._books[isbn]
        except KeyError:
            raise UnknownBook(isbn) from None

    def search(self, text: str) -> list:
        needle = text.lower()
        found = [b for b in self._books.values()
                 if needle in b.title.lower() or needle in b.author.lower()]
        return sorted(found, key=lambda b: b.title)
