import dataclasses

import pytest

import library
from library import (Book, Catalog, Library, LibraryError, Member, NotAvailable, UnknownBook,
                     UnknownMember, overdue_report)
from library import catalog as catalog_mod
from library import errors as errors_mod
from library import loans as loans_mod
from library import models as models_mod
from library import report as report_mod


def test_package_reexports_the_module_objects():
    assert Book is models_mod.Book and Member is models_mod.Member
    assert Catalog is catalog_mod.Catalog and Library is loans_mod.Library
    assert overdue_report is report_mod.overdue_report
    assert NotAvailable is errors_mod.NotAvailable and UnknownBook is errors_mod.UnknownBook


def test_exception_hierarchy():
    assert issubclass(LibraryError, Exception)
    for cls in (UnknownBook, UnknownMember, NotAvailable):
        assert issubclass(cls, LibraryError)


def test_models_are_dataclasses_with_defaults():
    assert dataclasses.is_dataclass(Book) and dataclasses.is_dataclass(Member)
    assert Book("1", "T", "A").copies == 1
    assert Member("m1", "Ann").max_loans == 3


@pytest.mark.parametrize("kwargs", [dict(isbn="", title="T", author="A"),
                                    dict(isbn="1", title="", author="A"),
                                    dict(isbn="1", title="T", author="A", copies=-1)])
def test_book_validation(kwargs):
    with pytest.raises(ValueError):
        Book(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(member_id="", name="Ann"),
                                    dict(member_id="m1", name="Ann", max_loans=0)])
def test_member_validation(kwargs):
    with pytest.raises(ValueError):
        Member(**kwargs)


def test_zero_copies_is_allowed():
    assert Book("1", "T", "A", 0).copies == 0


def shelf():
    c = Catalog()
    c.add(Book("111", "Dune", "Frank Herbert", 2))
    c.add(Book("222", "Emma", "Jane Austen"))
    c.add(Book("333", "Persuasion", "Jane Austen", 1))
    return c


def test_catalog_add_merges_copies_and_keeps_the_first_title():
    c = shelf()
    c.add(Book("111", "Other", "Someone", 3))
    b = c.get("111")
    assert (b.title, b.author, b.copies) == ("Dune", "Frank Herbert", 5)


def test_catalog_get_unknown():
    with pytest.raises(UnknownBook):
        shelf().get("999")


def test_search_is_case_insensitive_on_title_and_author_sorted_by_title():
    c = shelf()
    assert [b.isbn for b in c.search("austen")] == ["222", "333"]
    assert [b.isbn for b in c.search("DUNE")] == ["111"]
    assert [b.title for b in c.search("")] == ["Dune", "Emma", "Persuasion"]
    assert c.search("tolkien") == []


def lib():
    library_ = Library(shelf())
    library_.add_member(Member("ann", "Ann", 2))
    library_.add_member(Member("bob", "Bob"))
    return library_


def test_library_default_catalog():
    assert isinstance(Library().catalog, Catalog)
    assert Library().catalog is not Library().catalog


def test_duplicate_member():
    with pytest.raises(ValueError):
        lib().add_member(Member("ann", "Another Ann"))


def test_checkout_returns_the_due_day_and_takes_a_copy():
    l = lib()
    assert loans_mod.LOAN_DAYS == 14
    assert l.available("111") == 2
    assert l.checkout("ann", "111", 1) == 15
    assert l.available("111") == 1
    assert l.loans_of("ann") == ["111"]


def test_checkout_unknowns():
    l = lib()
    with pytest.raises(UnknownMember):
        l.checkout("zed", "111", 1)
    with pytest.raises(UnknownBook):
        l.checkout("ann", "999", 1)
    with pytest.raises(UnknownBook):
        l.available("999")


def test_no_copy_left():
    l = lib()
    l.checkout("ann", "222", 1)
    with pytest.raises(NotAvailable):
        l.checkout("bob", "222", 2)
    assert l.loans_of("bob") == []


def test_same_book_twice_is_refused():
    l = lib()
    l.checkout("ann", "111", 1)
    with pytest.raises(NotAvailable):
        l.checkout("ann", "111", 2)
    assert l.available("111") == 1


def test_max_loans():
    l = lib()
    l.checkout("ann", "111", 1)
    l.checkout("ann", "222", 1)
    with pytest.raises(NotAvailable):
        l.checkout("ann", "333", 1)
    assert l.loans_of("ann") == ["111", "222"]
    assert l.available("333") == 1


def test_fines():
    l = lib()
    assert loans_mod.FINE_PER_DAY == 25
    l.checkout("ann", "111", 1)
    assert l.return_book("ann", "111", 18) == 75
    l.checkout("bob", "111", 1)
    assert l.return_book("bob", "111", 15) == 0
    l.checkout("bob", "222", 10)
    assert l.return_book("bob", "222", 5) == 0


def test_return_frees_the_copy_and_the_slot():
    l = lib()
    l.checkout("ann", "222", 1)
    l.return_book("ann", "222", 3)
    assert l.available("222") == 1
    assert l.loans_of("ann") == []
    assert l.checkout("bob", "222", 4) == 18


def test_return_without_a_loan():
    l = lib()
    with pytest.raises(LibraryError):
        l.return_book("ann", "111", 3)
    l.checkout("ann", "111", 1)
    l.return_book("ann", "111", 2)
    with pytest.raises(LibraryError):
        l.return_book("ann", "111", 3)


def test_loans_of_unknown_member():
    with pytest.raises(UnknownMember):
        lib().loans_of("zed")


def test_overdue_is_sorted_and_counts_days_late():
    l = lib()
    l.checkout("bob", "333", 1)   # due 15
    l.checkout("ann", "222", 3)   # due 17
    l.checkout("ann", "111", 1)   # due 15
    assert l.overdue(15) == []
    assert l.overdue(16) == [("ann", "111", 1), ("bob", "333", 1)]
    assert l.overdue(20) == [("ann", "111", 5), ("ann", "222", 3), ("bob", "333", 5)]


def test_report_lines_and_fines():
    l = lib()
    l.checkout("bob", "333", 1)
    l.checkout("ann", "111", 1)
    text = overdue_report(l, 20)
    assert text == "\n".join([
        f"{'ann':<10}{'Dune':<24}{5:>4}",
        f"{'bob':<10}{'Persuasion':<24}{5:>4}",
        f"FINES{'2.50':>33}",
    ])
    assert not text.endswith("\n")


def test_report_with_nothing_overdue():
    l = lib()
    l.checkout("ann", "111", 1)
    assert overdue_report(l, 10) == f"FINES{'0.00':>33}"


def test_report_does_not_return_the_books():
    l = lib()
    l.checkout("ann", "111", 1)
    overdue_report(l, 30)
    assert l.loans_of("ann") == ["111"]


def test_package_lists_its_names():
    for name in ["Book", "Member", "Catalog", "Library", "overdue_report", "LibraryError",
                 "UnknownBook", "UnknownMember", "NotAvailable"]:
        assert hasattr(library, name)
