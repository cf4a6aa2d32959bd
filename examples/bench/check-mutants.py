"""Validity check for the benchmark: the acceptance tests must be able to fail.

Applies small, plausible bugs (one at a time) to each task's reference solution and runs the
acceptance tests on the result; every mutant must be caught. The bugs are listed in each task's
mutants.json (`file`, `old` text, `new` text; the same lists the Rust test tests/bench_tasks.rs
applies). Run: python3 examples/bench/check-mutants.py
"""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

bench = pathlib.Path(__file__).resolve().parent
total = caught = 0
for task in sorted(p.parent for p in bench.glob("*/mutants.json")):
    for m in json.loads((task / "mutants.json").read_text()):
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(task / "reference", d, dirs_exist_ok=True)
            p = pathlib.Path(d) / m["file"]
            src = p.read_text()
            assert m["old"] in src, (task.name, m["old"])
            p.write_text(src.replace(m["old"], m["new"], 1))
            r = subprocess.run([str(bench / "score.sh"), str(task), d], capture_output=True, text=True)
            total += 1
            caught += r.returncode != 0
            print(f"{task.name:22} {'caught' if r.returncode else 'MISSED'}  {m['old'][:40]!r} -> {m['new'][:30]!r}  {r.stdout.strip().splitlines()[-1]}")
print(f"{caught}/{total} mutants caught")
sys.exit(0 if caught == total else 1)
