from .catalog import Catalog
from .errors import LibraryError, NotAvailable, UnknownBook, UnknownMember
from .loans import Library
from .models import Book, Member
from .report import overdue_report

__all__ = ["Book", "Member", "Catalog", "Library", "overdue_report", "LibraryError",
           "UnknownBook", "UnknownMember", "NotAvailable"]
