from .loans import FINE_PER_DAY, Library


def overdue_report(library: Library, day: int) -> str:
    lines = []
    fines = 0
    for member_id, isbn, days_late in library.overdue(day):
        title = library.catalog.get(isbn).title
        lines.append(f"{member_id:<10}{title:<24}{days_late:>4}")
        fines += days_late * FINE_PER_DAY
    lines.append(f"FINES{fines / 100:>33.2f}")
    return "\n".join(lines)
