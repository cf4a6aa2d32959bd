import dataclasses

import pytest

import ledger
from ledger import (Account, Journal, Transaction, UnbalancedError, format_amount,
                    format_trial_balance, load_csv, net_income, parse_amount, trial_balance)
from ledger import accounts as accounts_mod
from ledger import importer as importer_mod
from ledger import journal as journal_mod
from ledger import money as money_mod
from ledger import reports as reports_mod


def test_package_reexports_the_module_objects():
    assert Account is accounts_mod.Account and Journal is journal_mod.Journal
    assert Transaction is journal_mod.Transaction and load_csv is importer_mod.load_csv
    assert parse_amount is money_mod.parse_amount and net_income is reports_mod.net_income
    assert issubclass(UnbalancedError, ValueError)


@pytest.mark.parametrize("text,cents", [("12.50", 1250), ("-3", -300), ("0.5", 50), ("7", 700),
                                        (" 0.05 ", 5), ("100.00", 10000), ("-0.99", -99)])
def test_parse_amount(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "1.234", "1,50", "abc", ".", "1.", "--1", "+-2", "1 2"])
def test_parse_amount_rejects(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("cents,text", [(1250, "12.50"), (-5, "-0.05"), (0, "0.00"),
                                        (100, "1.00"), (-12345, "-123.45"), (7, "0.07")])
def test_format_amount(cents, text):
    assert format_amount(cents) == text


def test_account_kinds_and_validation():
    assert accounts_mod.KINDS == ("asset", "liability", "equity", "income", "expense")
    assert dataclasses.is_dataclass(Account)
    with pytest.raises(ValueError):
        Account("", "asset")
    with pytest.raises(ValueError):
        Account("cash", "savings")


def test_transaction_must_balance():
    Transaction("2024-01-01", "ok", [("cash", 100), ("sales", -100)])
    with pytest.raises(UnbalancedError):
        Transaction("2024-01-01", "off", [("cash", 100), ("sales", -90)])
    with pytest.raises(UnbalancedError):
        Transaction("2024-01-01", "one", [("cash", 0)])
    with pytest.raises(UnbalancedError):
        Transaction("2024-01-01", "none", [])


def books():
    j = Journal()
    for name, kind in [("cash", "asset"), ("sales", "income"), ("rent", "expense"),
                       ("loan", "liability"), ("capital", "equity")]:
        j.add_account(Account(name, kind))
    j.record(Transaction("2024-01-01", "owner pays in", [("cash", 50000), ("capital", -50000)]))
    j.record(Transaction("2024-01-05", "sale", [("cash", 12000), ("sales", -12000)]))
    j.record(Transaction("2024-02-01", "rent", [("rent", 3000), ("cash", -3000)]))
    return j


def test_duplicate_account():
    with pytest.raises(ValueError):
        books().add_account(Account("cash", "asset"))


def test_balances():
    j = books()
    assert j.balance("cash") == 59000
    assert j.balance("sales") == -12000
    assert j.balance("loan") == 0
    with pytest.raises(KeyError):
        j.balance("bank")


def test_record_with_an_unknown_account_records_nothing():
    j = books()
    with pytest.raises(KeyError):
        j.record(Transaction("2024-03-01", "bad", [("cash", 500), ("bank", -500)]))
    assert j.balance("cash") == 59000
    assert len(j.transactions()) == 3


def test_accounts_sorted_by_name():
    assert [a.name for a in books().accounts()] == ["capital", "cash", "loan", "rent", "sales"]


def test_transactions_between_dates_inclusive():
    j = books()
    assert [t.description for t in j.transactions()] == ["owner pays in", "sale", "rent"]
    assert [t.description for t in j.transactions("2024-01-05")] == ["sale", "rent"]
    assert [t.description for t in j.transactions(None, "2024-01-05")] == ["owner pays in", "sale"]
    assert [t.description for t in j.transactions("2024-01-02", "2024-01-31")] == ["sale"]
    assert j.transactions("2025-01-01") == []


def test_trial_balance_and_net_income():
    j = books()
    assert trial_balance(j) == [("capital", -50000), ("cash", 59000), ("loan", 0),
                                ("rent", 3000), ("sales", -12000)]
    assert net_income(j) == 9000


def test_net_income_of_an_empty_journal():
    assert net_income(Journal()) == 0


def test_format_trial_balance():
    text = format_trial_balance(books())
    assert text == "\n".join([
        f"{'capital':<20}{'-500.00':>12}",
        f"{'cash':<20}{'590.00':>12}",
        f"{'loan':<20}{'0.00':>12}",
        f"{'rent':<20}{'30.00':>12}",
        f"{'sales':<20}{'-120.00':>12}",
        f"{'TOTAL':<20}{'0.00':>12}",
    ])


def fresh():
    j = Journal()
    for name, kind in [("cash", "asset"), ("sales", "income"), ("rent", "expense")]:
        j.add_account(Account(name, kind))
    return j


def test_load_csv_records_rows_and_skips_header_and_blanks():
    j = fresh()
    text = "date,description,debit,credit,amount\n2024-01-02,sale,cash,sales,12.50\n\n2024-01-03,rent,rent,cash,4\n"
    assert load_csv(text, j) == 2
    assert j.balance("cash") == 850
    assert j.balance("sales") == -1250
    assert [t.postings for t in j.transactions()] == [[("cash", 1250), ("sales", -1250)],
                                                      [("rent", 400), ("cash", -400)]]


def test_load_csv_without_header():
    j = fresh()
    assert load_csv("2024-01-02,sale,cash,sales,1", j) == 1
    assert net_income(j) == 100


@pytest.mark.parametrize("bad,lineno", [
    ("date,description,debit,credit,amount\n2024-01-02,sale,cash,sales,1\n2024-01-03,oops,cash,sales\n", 3),
    ("2024-01-02,sale,cash,sales,1\n2024-01-03,bad,cash,sales,1.234\n", 2),
    ("2024-01-02,sale,cash,sales,1\n\n2024-01-03,bank,bank,sales,1\n", 3),
])
def test_load_csv_errors_name_the_line_and_keep_earlier_rows(bad, lineno):
    j = fresh()
    with pytest.raises(ValueError) as e:
        load_csv(bad, j)
    assert str(e.value).startswith(f"line {lineno}: ")
    assert j.balance("cash") == 100


def test_package_lists_its_names():
    for name in ["Account", "Transaction", "Journal", "UnbalancedError", "parse_amount",
                 "format_amount", "trial_balance", "net_income", "format_trial_balance",
                 "load_csv"]:
        assert hasattr(ledger, name)
