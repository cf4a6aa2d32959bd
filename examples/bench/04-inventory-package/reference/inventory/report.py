def _euros(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def format_report(inv):
    lines = [
        f"{i.sku:<8}{i.name:<20}{i.quantity:>5}{_euros(i.price_cents):>10}" for i in inv.items()
    ]
    lines.append(f"TOTAL{_euros(inv.total_value_cents()):>38}")
    return "\n".join(lines)
