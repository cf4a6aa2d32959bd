from dataclasses import dataclass


class OutOfStock(Exception):
    pass


@dataclass
class Item:
    sku: str
    name: str
    price_cents: int
    quantity: int = 0

    def __post_init__(self):
        if not self.sku:
            raise ValueError("sku must not be empty")
        if self.price_cents < 0:
            raise ValueError("price_cents must be >= 0")
        if self.quantity < 0:
            raise ValueError("quantity must be >= 0")
