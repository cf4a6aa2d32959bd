"""Reference solution: validity check for the acceptance tests only (never shown to the model)."""


def shape(m):
    if not isinstance(m, list) or not m:
        raise ValueError("matrix must be a non-empty list of rows")
    if not all(isinstance(r, list) and r for r in m):
        raise ValueError("rows must be non-empty lists")
    cols = len(m[0])
    if any(len(r) != cols for r in m):
        raise ValueError("rows differ in length")
    return (len(m), cols)


def identity(n):
    if n < 1:
        raise ValueError("n must be >= 1")
    return [[1 if i == j else 0 for j in range(n)] for i in range(n)]


def transpose(m):
    shape(m)
    return [list(col) for col in zip(*m)]


def add(a, b):
    if shape(a) != shape(b):
        raise ValueError("shapes differ")
    return [[x + y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def multiply(a, b):
    (_, ac), (br, _) = shape(a), shape(b)
    if ac != br:
        raise ValueError("inner dimensions differ")
    bt = transpose(b)
    return [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]


def determinant(m):
    r, c = shape(m)
    if r != c:
        raise ValueError("matrix is not square")
    if r == 1:
        return m[0][0]
    total = 0
    for j in range(c):
        minor = [row[:j] + row[j + 1:] for row in m[1:]]
        total += (-1) ** j * m[0][j] * determinant(minor)
    return total
