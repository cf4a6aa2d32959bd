import dataclasses

import pytest

from inventory import Inventory, Item, OutOfStock, format_report
from inventory.models import Item as ModelsItem
from inventory.report import format_report as report_format_report
from inventory.store import Inventory as StoreInventory


def test_modules_export_the_same_objects():
    assert Item is ModelsItem
    assert Inventory is StoreInventory
    assert format_report is report_format_report
    assert issubclass(OutOfStock, Exception)
    assert dataclasses.is_dataclass(Item)


@pytest.mark.parametrize(
    "kwargs",
    [dict(sku="", name="x", price_cents=1), dict(sku="A", name="x", price_cents=-1),
     dict(sku="A", name="x", price_cents=1, quantity=-2)],
)
def test_item_validation(kwargs):
    with pytest.raises(ValueError):
        Item(**kwargs)


def stocked():
    inv = Inventory()
    inv.add(Item("B-2", "Bolt", 25, 100))
    inv.add(Item("A-1", "Anvil", 12500, 2))
    inv.add(Item("C-3", "Chain", 899, 7))
    return inv


def test_add_merges_quantities_by_sku():
    inv = stocked()
    inv.add(Item("B-2", "Other name", 99, 5))
    b = inv.get("B-2")
    assert (b.name, b.price_cents, b.quantity) == ("Bolt", 25, 105)


def test_remove_rules():
    inv = stocked()
    inv.remove("C-3", 7)
    assert inv.get("C-3").quantity == 0
    with pytest.raises(OutOfStock):
        inv.remove("A-1", 3)
    assert inv.get("A-1").quantity == 2
    with pytest.raises(KeyError):
        inv.remove("Z-9", 1)
    with pytest.raises(ValueError):
        inv.remove("A-1", 0)
    with pytest.raises(KeyError):
        inv.get("Z-9")


def test_totals_and_low_stock():
    inv = stocked()
    assert inv.total_value_cents() == 25 * 100 + 12500 * 2 + 899 * 7
    assert inv.low_stock(8) == ["A-1", "C-3"]
    assert inv.low_stock(0) == []


def test_report_format():
    expected = "\n".join([
        "A-1     Anvil                   2    125.00",
        "B-2     Bolt                  100      0.25",
        "C-3     Chain                   7      8.99",
        "TOTAL                                337.93",
    ])
    assert format_report(stocked()) == expected


def test_empty_report():
    assert format_report(Inventory()) == "TOTAL" + "0.00".rjust(38)
