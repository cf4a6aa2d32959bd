from dataclasses import replace

from .models import OutOfStock


class Inventory:
    def __init__(self):
        self._items = {}

    def add(self, item):
        if item.sku in self._items:
            self._items[item.sku].quantity += item.quantity
        else:
            self._items[item.sku] = replace(item)

    def remove(self, sku, quantity):
        item = self._items[sku]
        if quantity <= 0:
            raise ValueError("quantity must be > 0")
        if quantity > item.quantity:
            raise OutOfStock(f"{sku}: {item.quantity} in stock, {quantity} asked")
        item.quantity -= quantity

    def get(self, sku):
        return self._items[sku]

    def items(self):
        return [self._items[k] for k in sorted(self._items)]

    def total_value_cents(self):
        return sum(i.price_cents * i.quantity for i in self._items.values())

    def low_stock(self, threshold):
        return sorted(s for s, i in self._items.items() if i.quantity < threshold)
