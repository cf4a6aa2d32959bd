import copy

import pytest

import matrix as mx

A = [[1, 2, 3], [4, 5, 6]]
B = [[7, 8], [9, 10], [11, 12]]


def test_shape_and_validation():
    assert mx.shape(A) == (2, 3)
    for bad in ([], [[]], [[1, 2], [3]]):
        with pytest.raises(ValueError):
            mx.shape(bad)
    with pytest.raises(ValueError):
        mx.transpose([[1, 2], [3]])


def test_identity():
    assert mx.identity(3) == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert mx.identity(1) == [[1]]
    with pytest.raises(ValueError):
        mx.identity(0)


def test_transpose_and_add():
    assert mx.transpose(A) == [[1, 4], [2, 5], [3, 6]]
    assert mx.add(A, A) == [[2, 4, 6], [8, 10, 12]]
    with pytest.raises(ValueError):
        mx.add(A, B)


def test_multiply():
    assert mx.multiply(A, B) == [[58, 64], [139, 154]]
    assert mx.multiply(B, mx.identity(2)) == B
    with pytest.raises(ValueError):
        mx.multiply(A, A)


def test_determinant():
    assert mx.determinant([[5]]) == 5
    assert mx.determinant([[1, 2], [3, 4]]) == -2
    d = mx.determinant([[2, 0, 1, 3], [1, 1, 0, 2], [0, 4, 1, 1], [3, 1, 2, 0]])
    assert d == -28 and isinstance(d, int)
    assert mx.determinant(mx.identity(4)) == 1
    with pytest.raises(ValueError):
        mx.determinant(A)


def test_arguments_are_not_modified():
    a, b = copy.deepcopy(A), copy.deepcopy(B)
    mx.multiply(a, b)
    mx.transpose(a)
    mx.add(a, a)
    mx.determinant([[1, 2], [3, 4]])
    assert (a, b) == (A, B)
