"""Reference solution: validity check for the acceptance tests only (never shown to the model)."""
import json


class TodoList:
    def __init__(self):
        self._tasks = {}
        self._next_id = 1

    def add(self, title, priority=2):
        if not isinstance(title, str) or not title.strip():
            raise ValueError("title must not be empty")
        if priority not in (1, 2, 3) or isinstance(priority, bool):
            raise ValueError("priority must be 1, 2 or 3")
        task_id = self._next_id
        self._next_id += 1
        self._tasks[task_id] = {"id": task_id, "title": title.strip(), "priority": priority, "done": False}
        return task_id

    def complete(self, task_id):
        self._tasks[task_id]["done"] = True

    def remove(self, task_id):
        del self._tasks[task_id]

    def get(self, task_id):
        return dict(self._tasks[task_id])

    def pending(self):
        open_tasks = [dict(t) for t in self._tasks.values() if not t["done"]]
        return sorted(open_tasks, key=lambda t: (t["priority"], t["id"]))

    def __len__(self):
        return len(self._tasks)

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"next_id": self._next_id, "tasks": list(self._tasks.values())}, f)

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        todo = cls()
        todo._next_id = data["next_id"]
        todo._tasks = {t["id"]: t for t in data["tasks"]}
        return todo
