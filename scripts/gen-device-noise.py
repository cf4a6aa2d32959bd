#!/usr/bin/env python3
"""Writes examples/quantum/noise/ibmq_mumbai_median.json: the median calibration of IBM's 27-qubit
ibmq_mumbai (the device whose noise CRLQAS used), from the calibration snapshot that
qiskit-ibm-runtime ships for its FakeMumbai backend (props_mumbai.json).

Run once:  python3 -m venv /tmp/qvenv && /tmp/qvenv/bin/pip install qiskit-ibm-runtime
           /tmp/qvenv/bin/python scripts/gen-device-noise.py
"""
import json
import os
import statistics

import qiskit_ibm_runtime.fake_provider as fp

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.join(os.path.dirname(fp.__file__), "backends", "mumbai", "props_mumbai.json")
props = json.load(open(src))

def qubit_param(name):
    out = []
    for q in props["qubits"]:
        for p in q:
            if p["name"] == name:
                out.append((p["value"], p["unit"]))
    return out

def gate_params(gate):
    errs, times = [], []
    for g in props["gates"]:
        if g["gate"] != gate:
            continue
        for p in g["parameters"]:
            if p["name"] == "gate_error":
                errs.append(p["value"])
            if p["name"] == "gate_length":
                assert p["unit"] == "ns"
                times.append(p["value"])
    return statistics.median(errs), statistics.median(times)

t1 = [v for v, u in qubit_param("T1")]
t2 = [v for v, u in qubit_param("T2")]
assert all(u == "us" for _, u in qubit_param("T1"))
p01 = [v for v, _ in qubit_param("prob_meas1_prep0")]
p10 = [v for v, _ in qubit_param("prob_meas0_prep1")]
sx_err, sx_ns = gate_params("sx")
x_err, x_ns = gate_params("x")
cx_err, cx_ns = gate_params("cx")
t1m, t2m = statistics.median(t1), statistics.median(t2)
# a median T2 may exceed 2 T1 only if the qubits differ a lot; keep the physical bound
t2m = min(t2m, 2 * t1m)
# RX/RY compile to two sx pulses plus virtual RZs on IBM hardware; RZ is virtual (no error, no time)
one = {"error": 2 * sx_err, "time_ns": 2 * sx_ns}
out = {
    "device": "ibmq_mumbai (median over 27 qubits)",
    "source": f"qiskit-ibm-runtime FakeMumbai props_mumbai.json, last_update_date {props['last_update_date']}",
    "t1_us": t1m,
    "t2_us": t2m,
    "readout_p01": statistics.median(p01),
    "readout_p10": statistics.median(p10),
    "gates": {
        "RX": one,
        "RY": one,
        "RZ": {"error": 0.0, "time_ns": 0.0},
        "H": {"error": sx_err, "time_ns": sx_ns},
        "X": {"error": x_err, "time_ns": x_ns},
        "CNOT": {"error": cx_err, "time_ns": cx_ns},
        "CZ": {"error": cx_err, "time_ns": cx_ns},
    },
}
dst = os.path.join(here, "..", "examples", "quantum", "noise", "ibmq_mumbai_median.json")
os.makedirs(os.path.dirname(dst), exist_ok=True)
json.dump(out, open(dst, "w"), indent=2)
print(json.dumps(out, indent=2))
