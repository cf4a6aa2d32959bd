from .catalog import Catalog
from .errors import LibraryError, NotAvailable, UnknownMember
from .models import Member

LOAN_DAYS = 14
FINE_PER_DAY = 25


class Library:
    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog if catalog is not None else Catalog()
        self._members = {}
        self._loans = {}  # (member_id, isbn) -> due day

    def add_member(self, member: Member) -> None:
        if member.member_id in self._members:
            raise ValueError(f"member {member.member_id} already exists")
        self._members[member.member_id] = member

    def _member(self, member_id: str) -> Member:
        try:
            return self._members[member_id]
        except KeyError:
            raise UnknownMember(member_id) from None

    def available(self, isbn: str) -> int:
        book = self.catalog.get(isbn)
        on_loan = sum(1 for (_, i) in self._loans if i == isbn)
        return book.copies - on_loan

    def checkout(self, member_id: str, isbn: str, day: int) -> int:
        member = self._member(member_id)
        if self.available(isbn) <= 0:
            raise NotAvailable(f"no copy of {isbn} is available")
        if (member_id, isbn) in self._loans:
            raise NotAvailable(f"{member_id} already has {isbn}")
        if len(self.loans_of(member_id)) >= member.max_loans:
            raise NotAvailable(f"{member_id} has {member.max_loans} loans already")
        due = day + LOAN_DAYS
        self._loans[(member_id, isbn)] = due
        return due

    def return_book(self, member_id: str, isbn: str, day: int) -> int:
        try:
            due = self._loans.pop((member_id, isbn))
        except KeyError:
            raise LibraryError(f"{member_id} has no loan of {isbn}") from None
        return max(0, day - due) * FINE_PER_DAY

    def loans_of(self, member_id: str) -> list:
        self._member(member_id)
        return sorted(i for (m, i) in self._loans if m == member_id)

    def overdue(self, day: int) -> list:
        late = [(m, i, day - due) for (m, i), due in self._loans.items() if due < day]
        return sorted(late)
