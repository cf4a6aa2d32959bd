class LibraryError(Exception):
    pass


class UnknownBook(LibraryError):
    pass


class UnknownMember(LibraryError):
    pass


class NotAvailable(LibraryError):
    pass
