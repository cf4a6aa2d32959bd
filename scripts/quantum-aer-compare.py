#!/usr/bin/env python3
"""Runs the same noisy circuits through qiskit-aer's density-matrix simulator and writes
(1) tests/data/quantum/aer/: the circuits (our JSON), the Hamiltonians, and Aer's energies,
    which tests/quantum_aer.rs checks sim::quantum against, and
(2) with --time: Aer's evaluations per second on one thread, for BENCHMARKS.md (the Rust side is
    `cargo bench --bench quantum`, run in the same session).

The noise is the one sim::quantum compiles from examples/quantum/noise/ibmq_mumbai_median.json:
after each gate, Aer's own `_device_depolarizing_error` for the calibrated gate error given the
T1/T2 relaxation over the gate time (so our copy of that formula is checked too), then
`thermal_relaxation_error` on each of the gate's qubits.

  python3 -m venv /tmp/qvenv && /tmp/qvenv/bin/pip install qiskit qiskit-aer
  /tmp/qvenv/bin/python scripts/quantum-aer-compare.py [--time]
"""
import json
import os
import sys
import time

import numpy as np
import qiskit
import qiskit_aer
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel, thermal_relaxation_error
from qiskit_aer.noise.device.models import _device_depolarizing_error

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out_dir = os.path.join(root, "tests", "data", "quantum", "aer")
os.makedirs(out_dir, exist_ok=True)
dev = json.load(open(os.path.join(root, "examples", "quantum", "noise", "ibmq_mumbai_median.json")))

AER_NAME = {"RX": "rx", "RY": "ry", "RZ": "rz", "H": "h", "X": "x", "CNOT": "cx", "CZ": "cz"}


def noise_model():
    nm = NoiseModel(basis_gates=list(AER_NAME.values()))
    t1, t2 = dev["t1_us"] * 1000.0, dev["t2_us"] * 1000.0  # ns, as the gate times
    for name, g in dev["gates"].items():
        arity = 2 if name in ("CNOT", "CZ") else 1
        if g["error"] == 0.0 and g["time_ns"] == 0.0:
            continue
        relax1 = thermal_relaxation_error(t1, t2, g["time_ns"])
        relax = relax1 if arity == 1 else relax1.expand(relax1)
        depol = _device_depolarizing_error(list(range(arity)), g["error"], relax)
        err = depol.compose(relax) if depol is not None else relax
        nm.add_all_qubit_quantum_error(err, [AER_NAME[name]])
    return nm


def hea(n, layers, rng):
    """Our hardware-efficient ansatz (sim::quantum::vqe::hardware_efficient) with random angles."""
    gates = []
    def rot():
        for q in range(n):
            gates.append({"gate": "RY", "qubits": [q], "theta": float(rng.uniform(-np.pi, np.pi))})
            gates.append({"gate": "RZ", "qubits": [q], "theta": float(rng.uniform(-np.pi, np.pi))})
    for _ in range(layers):
        rot()
        for q in range(n - 1):
            gates.append({"gate": "CNOT", "qubits": [q, q + 1]})
    rot()
    # one of each remaining gate kind, so every kernel is compared
    gates.append({"gate": "H", "qubits": [0]})
    gates.append({"gate": "RX", "qubits": [n - 1], "theta": 0.7})
    gates.append({"gate": "CZ", "qubits": [0, n - 1]})
    gates.append({"gate": "X", "qubits": [1]})
    return {"qubits": n, "gates": gates}


def heisenberg(n):
    lines = []
    for q in range(n - 1):
        for p in "XYZ":
            label = ["I"] * n
            label[q] = label[q + 1] = p
            lines.append((1.0, "".join(label)))
    for q in range(n):
        label = ["I"] * n
        label[q] = "Z"
        lines.append((0.5 + 0.1 * q, "".join(label)))
    return lines


def read_ham(path):
    terms = []
    for line in open(path):
        body = line.split("#")[0].strip()
        if body:
            c, l = body.split()
            terms.append((float(c), l))
    return terms


def to_qiskit(circ):
    qc = QuantumCircuit(circ["qubits"])
    for g in circ["gates"]:
        name = AER_NAME[g["gate"]]
        if "theta" in g:
            getattr(qc, name)(g["theta"], *g["qubits"])
        else:
            getattr(qc, name)(*g["qubits"])
    return qc


def op(terms):
    # our strings: character i = qubit i; Qiskit's labels: rightmost = qubit 0
    return SparsePauliOp.from_list([(l[::-1], c) for c, l in terms])


cases = []
rng = np.random.default_rng(2026)
hams = {
    4: ("lih_4q", read_ham(os.path.join(root, "examples/quantum/hamiltonians/lih_4q.txt"))),
    6: ("lih_6q", read_ham(os.path.join(root, "examples/quantum/hamiltonians/lih_6q.txt"))),
    8: ("heisenberg_8q", heisenberg(8)),
}
nm = noise_model()
sim = AerSimulator(method="density_matrix", noise_model=nm, max_parallel_threads=1,
                   max_parallel_experiments=1)
ideal = AerSimulator(method="density_matrix", max_parallel_threads=1)
results = {"qiskit": qiskit.__version__, "qiskit_aer": qiskit_aer.__version__, "cases": []}
for n, (hname, terms) in hams.items():
    circ = hea(n, 2, rng)
    cname = f"hea2_{n}q"
    json.dump(circ, open(os.path.join(out_dir, f"{cname}.json"), "w"), indent=1)
    with open(os.path.join(out_dir, f"{hname}.txt"), "w") as f:
        f.write(f"# {hname}: copied by scripts/quantum-aer-compare.py\n")
        for c, l in terms:
            f.write(f"{c!r} {l}\n")
    qc = to_qiskit(circ)
    qc.save_expectation_value(op(terms), list(range(n)))
    e_noisy = float(np.real(sim.run(qc).result().data()["expectation_value"]))
    e_ideal = float(np.real(ideal.run(qc).result().data()["expectation_value"]))
    case = {"circuit": f"{cname}.json", "hamiltonian": f"{hname}.txt", "qubits": n,
            "terms": len(terms), "gates": len(circ["gates"]),
            "energy_noiseless": e_ideal, "energy_mumbai": e_noisy}
    if "--time" in sys.argv:
        reps = {4: 200, 6: 100, 8: 20}[n]
        sim.run(qc).result()
        t0 = time.perf_counter()
        inner = 0.0
        for _ in range(reps):
            r = sim.run(qc).result()
            inner += r.time_taken
        wall = (time.perf_counter() - t0) / reps
        case["aer_wall_s_per_eval"] = wall
        case["aer_inner_s_per_eval"] = inner / reps
    results["cases"].append(case)
    print(json.dumps(case))

name = "timing.json" if "--time" in sys.argv else "reference.json"
target = os.path.join(out_dir, "reference.json") if name == "reference.json" else os.path.join("/tmp", "aer_timing.json")
json.dump(results, open(target, "w"), indent=2)
