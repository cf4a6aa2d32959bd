//! The density matrix and its local kernels: every gate and channel touches only the entries that
//! differ in the bits of its qubits, so an n-qubit step costs O(4^n) and the 2^n x 2^n unitary or
//! superoperator is never built.
//!
//! Layout: `rho[r * 2^n + c]`; qubit q is bit q of a basis index (qubit 0 the least significant,
//! as in Qiskit), so in the flat index it is bit q of the column and bit n + q of the row.

use num_complex::Complex64 as C;

use super::error::QuantumError;

/// The largest register a density matrix is made for (4^10 complex entries, 16 MiB).
pub const MAX_QUBITS: usize = 10;

/// A 1-qubit superoperator on the (row bit, column bit) pair, indexed `2 * row + col`.
pub type Superop1 = [[C; 4]; 4];
/// A 2x2 matrix (a gate or a Kraus operator).
pub type Mat2 = [[C; 2]; 2];

#[derive(Clone, Debug, PartialEq)]
pub struct DensityMatrix {
    n: usize,
    data: Vec<C>,
}

/// `k` with a zero bit inserted at position `p` (bits at and above `p` move up by one).
#[inline(always)]
fn insert_zero(k: usize, p: usize) -> usize {
    ((k >> p) << (p + 1)) | (k & ((1 << p) - 1))
}

impl DensityMatrix {
    /// |0...0><0...0| on `n` qubits.
    pub fn zero_state(n: usize) -> Result<DensityMatrix, QuantumError> {
        if n == 0 || n > MAX_QUBITS {
            return Err(QuantumError::invalid(
                "circuit",
                "qubits",
                n,
                &format!("between 1 and {MAX_QUBITS}"),
            ));
        }
        let d = 1usize << n;
        let mut data = vec![C::new(0.0, 0.0); d * d];
        data[0] = C::new(1.0, 0.0);
        Ok(DensityMatrix { n, data })
    }

    /// |psi><psi| for a state vector of length 2^n.
    pub fn from_pure(psi: &[C]) -> Result<DensityMatrix, QuantumError> {
        let d = psi.len();
        if !d.is_power_of_two() || !(2..=(1 << MAX_QUBITS)).contains(&d) {
            return Err(QuantumError::mismatch(
                "state vector",
                format!("length {d} is not 2^n with 1 <= n <= {MAX_QUBITS}"),
            ));
        }
        let mut data = vec![C::new(0.0, 0.0); d * d];
        for r in 0..d {
            for c in 0..d {
                data[r * d + c] = psi[r] * psi[c].conj();
            }
        }
        Ok(DensityMatrix {
            n: d.trailing_zeros() as usize,
            data,
        })
    }

    pub fn n_qubits(&self) -> usize {
        self.n
    }
    pub fn dim(&self) -> usize {
        1 << self.n
    }
    pub fn get(&self, r: usize, c: usize) -> C {
        self.data[r * self.dim() + c]
    }
    /// Row-major entries, `rho[r * dim + c]`.
    pub fn entries(&self) -> &[C] {
        &self.data
    }

    pub fn trace(&self) -> C {
        let d = self.dim();
        (0..d).map(|i| self.data[i * d + i]).sum()
    }

    /// Tr(rho^2): 1 for a pure state, 1/2^n for the maximally mixed one.
    pub fn purity(&self) -> f64 {
        // rho is Hermitian, so Tr(rho rho) = sum |rho_rc|^2
        self.data.iter().map(|z| z.norm_sqr()).sum()
    }

    fn check_qubit(&self, q: usize) {
        debug_assert!(q < self.n, "qubit {q} outside a {}-qubit register", self.n);
    }

    /// Applies a 1-qubit superoperator to qubit `q` (a gate, a channel, or both fused).
    pub fn apply_superop1(&mut self, q: usize, s: &Superop1) {
        self.check_qubit(q);
        let (lo, hi) = (q, self.n + q);
        let (bl, bh) = (1usize << lo, 1usize << hi);
        let quarter = self.data.len() / 4;
        let data = &mut self.data;
        for k in 0..quarter {
            let i = insert_zero(insert_zero(k, lo), hi);
            let idx = [i, i | bl, i | bh, i | bh | bl];
            let v = [data[idx[0]], data[idx[1]], data[idx[2]], data[idx[3]]];
            for (a, &ix) in idx.iter().enumerate() {
                let row = &s[a];
                data[ix] = row[0] * v[0] + row[1] * v[1] + row[2] * v[2] + row[3] * v[3];
            }
        }
    }

    /// rho -> U rho U^dagger for a 2x2 unitary on qubit `q`.
    pub fn apply_unitary1(&mut self, q: usize, u: &Mat2) {
        self.apply_superop1(q, &superop_of_kraus(&[*u]));
    }

    /// CNOT(control, target): a permutation of entries, done by swaps.
    pub fn apply_cnot(&mut self, control: usize, target: usize) {
        self.check_qubit(control);
        self.check_qubit(target);
        let n = self.n;
        let (rc, rt, cc, ct) = (
            1 << (n + control),
            1 << (n + target),
            1 << control,
            1 << target,
        );
        let data = &mut self.data;
        for i in 0..data.len() {
            let mut j = i;
            if i & rc != 0 {
                j ^= rt;
            }
            if i & cc != 0 {
                j ^= ct;
            }
            if j > i {
                data.swap(i, j);
            }
        }
    }

    /// CZ(a, b): a sign on the entries where exactly one of row and column has both bits set.
    pub fn apply_cz(&mut self, a: usize, b: usize) {
        self.check_qubit(a);
        self.check_qubit(b);
        let n = self.n;
        let rows = (1 << (n + a)) | (1 << (n + b));
        let cols = (1 << a) | (1 << b);
        for (i, z) in self.data.iter_mut().enumerate() {
            if ((i & rows) == rows) != ((i & cols) == cols) {
                *z = -*z;
            }
        }
    }

    /// The 2-qubit depolarising channel rho -> (1 - p) rho + p Tr_ab(rho) (x) I/4 on qubits a, b
    /// (Qiskit's `depolarizing_error(p, 2)` convention).
    pub fn depolarize2(&mut self, a: usize, b: usize, p: f64) {
        self.check_qubit(a);
        self.check_qubit(b);
        debug_assert!(a != b);
        let n = self.n;
        let mut pos = [a, b, n + a, n + b];
        pos.sort_unstable();
        let (ca, cb, ra, rb) = (1 << a, 1 << b, 1 << (n + a), 1 << (n + b));
        // the four entries diagonal in the (a, b) subsystem
        let diag = [0, ca | ra, cb | rb, ca | cb | ra | rb];
        let keep = 1.0 - p;
        let sixteenth = self.data.len() / 16;
        let data = &mut self.data;
        for k in 0..sixteenth {
            let mut i = k;
            for &p in &pos {
                i = insert_zero(i, p);
            }
            let t: C = diag.iter().map(|&o| data[i | o]).sum::<C>() * (p / 4.0);
            for m in 0..16usize {
                let o = if m & 1 != 0 { ca } else { 0 }
                    | if m & 2 != 0 { cb } else { 0 }
                    | if m & 4 != 0 { ra } else { 0 }
                    | if m & 8 != 0 { rb } else { 0 };
                data[i | o] *= keep;
            }
            for &o in &diag {
                data[i | o] += t;
            }
        }
    }
}

/// S = sum_k K_k (x) conj(K_k) on the (row, column) pair.
pub fn superop_of_kraus(kraus: &[Mat2]) -> Superop1 {
    let mut s = [[C::new(0.0, 0.0); 4]; 4];
    for k in kraus {
        for r2 in 0..2 {
            for c2 in 0..2 {
                for r in 0..2 {
                    for c in 0..2 {
                        s[2 * r2 + c2][2 * r + c] += k[r2][r] * k[c2][c].conj();
                    }
                }
            }
        }
    }
    s
}

/// `a` after `b`: the superoperator of applying `b` first.
pub fn compose(a: &Superop1, b: &Superop1) -> Superop1 {
    let mut s = [[C::new(0.0, 0.0); 4]; 4];
    for (i, row) in s.iter_mut().enumerate() {
        for (j, out) in row.iter_mut().enumerate() {
            *out = (0..4).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    s
}

pub fn identity1() -> Superop1 {
    let mut s = [[C::new(0.0, 0.0); 4]; 4];
    for (i, row) in s.iter_mut().enumerate() {
        row[i] = C::new(1.0, 0.0);
    }
    s
}

/// The 1-qubit depolarising channel rho -> (1 - p) rho + p Tr(rho) I/2.
pub fn depolarizing1(p: f64) -> Superop1 {
    let mut s = identity1();
    for row in s.iter_mut() {
        for z in row.iter_mut() {
            *z *= 1.0 - p;
        }
    }
    // diagonal outputs (index 0 = |0><0|, 3 = |1><1|) receive p/2 of the trace
    for out in [0, 3] {
        s[out][0] += C::new(p / 2.0, 0.0);
        s[out][3] += C::new(p / 2.0, 0.0);
    }
    s
}

/// Amplitude damping with decay probability `gamma` (|1> -> |0>).
pub fn amplitude_damping(gamma: f64) -> Superop1 {
    let z = C::new(0.0, 0.0);
    let k0 = [
        [C::new(1.0, 0.0), z],
        [z, C::new((1.0 - gamma).sqrt(), 0.0)],
    ];
    let k1 = [[z, C::new(gamma.sqrt(), 0.0)], [z, z]];
    superop_of_kraus(&[k0, k1])
}

/// Phase damping with parameter `lambda`: coherences scaled by sqrt(1 - lambda).
pub fn phase_damping(lambda: f64) -> Superop1 {
    let z = C::new(0.0, 0.0);
    let k0 = [
        [C::new(1.0, 0.0), z],
        [z, C::new((1.0 - lambda).sqrt(), 0.0)],
    ];
    let k1 = [[z, z], [z, C::new(lambda.sqrt(), 0.0)]];
    superop_of_kraus(&[k0, k1])
}

/// T1/T2 relaxation over `time` (same units as t1, t2; ground-state reset, T2 <= 2 T1): the
/// amplitude damping of T1 followed by the pure dephasing that makes coherences decay as
/// exp(-time/T2), which is the channel of Qiskit's `thermal_relaxation_error` at zero excited
/// population.
pub fn thermal_relaxation(t1: f64, t2: f64, time: f64) -> Superop1 {
    if time <= 0.0 {
        return identity1();
    }
    let gamma = 1.0 - (-time / t1).exp();
    // sqrt(1 - gamma) * sqrt(1 - lambda) = exp(-time/T2)
    let dephase = (-time / t2).exp() / (-time / (2.0 * t1)).exp();
    let lambda = (1.0 - dephase * dephase).max(0.0);
    compose(&phase_damping(lambda), &amplitude_damping(gamma))
}
