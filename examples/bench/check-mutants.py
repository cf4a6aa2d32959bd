"""Validity check for the benchmark: the acceptance tests must be able to fail.

Applies small, plausible bugs (one at a time) to each task's reference solution and runs the
acceptance tests on the result; every mutant must be caught. Run: python3 examples/bench/check-mutants.py
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

bench = pathlib.Path(__file__).resolve().parent
mutants = {
 "01-text-stats": [("textstats.py", "-kv[1], kv[0]", "-kv[1]"), ("textstats.py", "round(sum(len(w) for w in words) / len(words), 2)", "sum(len(w) for w in words) // len(words)"), ("textstats.py", 'r"[.!?]+"', 'r"[.!?]"')],
 "02-roman-numerals": [("roman.py", " or to_roman(total) != s", ""), ("roman.py", "(900, \"CM\"), ", ""), ("roman.py", "isinstance(n, bool) or ", "")],
 "03-todo-list": [("todo.py", "t[\"priority\"], t[\"id\"]", "t[\"id\"]"), ("todo.py", "\"next_id\": self._next_id", "\"next_id\": len(self._tasks) + 1"), ("todo.py", "\"title\": title.strip()", "\"title\": title")],
 "04-inventory-package": [("inventory/store.py", "self._items[item.sku].quantity += item.quantity", "self._items[item.sku] = replace(item)"), ("inventory/report.py", ":>38", ":>37"), ("inventory/store.py", "if quantity > item.quantity:", "if quantity > item.quantity + 1:")],
 "05-matrix": [("matrix.py", "(-1) ** j * ", ""), ("matrix.py", "    if any(len(r) != cols for r in m):\n        raise ValueError(\"rows differ in length\")\n", ""), ("matrix.py", "if n < 1:", "if n < 0:")],
 "06-grades-csv": [("grades.py", "if average >= bound", "if average > bound"), ("grades.py", "f\"line {lineno}: score {score} is out of range\"", "\"score out of range\""), ("grades.py", "round(total / count, 1)", "total / count")],
 "07-url-shortener": [("shortener.py", "self._clock() >= link[\"expires\"]", "self._clock() > link[\"expires\"] + 1"), ("shortener.py", "link[\"visits\"] += 1", "pass"), ("shortener.py", "{3,20}", "{2,20}")],
 "08-lru-cache": [("lru.py", "self._data.move_to_end(key)\n            self._stats[\"hits\"]", "self._stats[\"hits\"]"), ("lru.py", "self._stats[\"evictions\"] += 1", "pass"), ("lru.py", "        self._evict()\n\n\n_MISSING", "\n\n_MISSING")],
}
total = caught = 0
for task, ms in mutants.items():
    for f, old, new in ms:
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(bench / task / "reference", d, dirs_exist_ok=True)
            p = pathlib.Path(d) / f
            src = p.read_text()
            assert old in src, (task, old)
            p.write_text(src.replace(old, new, 1))
            r = subprocess.run([str(bench / "score.sh"), str(bench / task), d], capture_output=True, text=True)
            total += 1
            caught += r.returncode != 0
            print(f"{task:22} {'caught' if r.returncode else 'MISSED'}  {old[:40]!r} -> {new[:30]!r}  {r.stdout.strip().splitlines()[-1]}")
print(f"{caught}/{total} mutants caught")
sys.exit(0 if caught == total else 1)
