import pytest

from todo import TodoList


def test_add_returns_increasing_ids_and_strips_titles():
    t = TodoList()
    assert t.add("  write report ") == 1
    assert t.add("call bob", priority=1) == 2
    assert t.get(1) == {"id": 1, "title": "write report", "priority": 2, "done": False}
    assert len(t) == 2


@pytest.mark.parametrize("title", ["", "   ", "\n"])
def test_empty_titles_are_rejected(title):
    with pytest.raises(ValueError):
        TodoList().add(title)


@pytest.mark.parametrize("priority", [0, 4, -1])
def test_bad_priorities_are_rejected(priority):
    with pytest.raises(ValueError):
        TodoList().add("x", priority=priority)


def test_pending_orders_by_priority_then_id_and_hides_done():
    t = TodoList()
    a = t.add("a", 3)
    b = t.add("b", 1)
    c = t.add("c", 2)
    d = t.add("d", 1)
    t.complete(c)
    assert [x["id"] for x in t.pending()] == [b, d, a]
    assert t.get(c)["done"] is True
    assert len(t) == 4


def test_unknown_ids_raise_key_error():
    t = TodoList()
    t.add("x")
    for op in (t.complete, t.remove, t.get):
        with pytest.raises(KeyError):
            op(99)


def test_ids_are_not_reused_after_remove():
    t = TodoList()
    t.add("a")
    second = t.add("b")
    t.remove(second)
    assert t.add("c") == 3
    assert len(t) == 2


def test_save_and_load_round_trip(tmp_path):
    path = str(tmp_path / "todo.json")
    t = TodoList()
    t.add("a", 3)
    t.add("b", 1)
    t.complete(1)
    t.remove(t.add("gone"))
    t.save(path)
    u = TodoList.load(path)
    assert len(u) == 2
    assert u.get(1) == {"id": 1, "title": "a", "priority": 3, "done": True}
    assert u.pending() == [{"id": 2, "title": "b", "priority": 1, "done": False}]
    assert u.add("next") == 4


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        TodoList.load(str(tmp_path / "absent.json"))
