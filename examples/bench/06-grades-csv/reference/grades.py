"""Reference solution: validity check for the acceptance tests only (never shown to the model)."""
import csv
import io


def parse_scores(csv_text):
    rows = []
    header_seen = False
    for lineno, line in enumerate(csv_text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in next(csv.reader(io.StringIO(line)))]
        if not header_seen:
            if fields != ["name", "assignment", "score"]:
                raise ValueError(f"line {lineno}: expected header name,assignment,score")
            header_seen = True
            continue
        if len(fields) != 3:
            raise ValueError(f"line {lineno}: expected 3 fields, got {len(fields)}")
        try:
            score = float(fields[2])
        except ValueError:
            raise ValueError(f"line {lineno}: score {fields[2]!r} is not a number") from None
        if not 0 <= score <= 100:
            raise ValueError(f"line {lineno}: score {score} is out of range")
        rows.append((fields[0], fields[1], score))
    if not header_seen:
        raise ValueError("line 1: missing header")
    return rows


def student_averages(rows):
    sums = {}
    for name, _, score in rows:
        total, count = sums.get(name, (0.0, 0))
        sums[name] = (total + score, count + 1)
    return {name: round(total / count, 1) for name, (total, count) in sums.items()}


def letter_grade(average):
    for bound, letter in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if average >= bound:
            return letter
    return "F"


def report(csv_text):
    averages = student_averages(parse_scores(csv_text))
    return "\n".join(
        f"{name}: {avg:.1f} {letter_grade(avg)}" for name, avg in sorted(averages.items())
    )
