//! Hamiltonians as sums of Pauli strings, read from a text file of `coef PAULISTRING` lines
//! (`#` starts a comment; character i of the string acts on qubit i), with the exact
//! expectation Tr(rho P) in O(2^n) per term and the exact ground energy by diagonalisation.

use std::path::Path;

use num_complex::Complex64 as C;

use super::error::QuantumError;
use super::state::{DensityMatrix, MAX_QUBITS};

/// A Pauli string as X and Z bit masks (Y where both are set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PauliString {
    pub x: usize,
    pub z: usize,
}

impl PauliString {
    pub fn parse(s: &str) -> Option<PauliString> {
        let (mut x, mut z) = (0, 0);
        for (i, ch) in s.chars().enumerate() {
            match ch.to_ascii_uppercase() {
                'I' => {}
                'X' => x |= 1 << i,
                'Y' => {
                    x |= 1 << i;
                    z |= 1 << i
                }
                'Z' => z |= 1 << i,
                _ => return None,
            }
        }
        Some(PauliString { x, z })
    }

    pub fn label(&self, n: usize) -> String {
        (0..n)
            .map(|i| match ((self.x >> i) & 1, (self.z >> i) & 1) {
                (0, 0) => 'I',
                (1, 0) => 'X',
                (1, 1) => 'Y',
                _ => 'Z',
            })
            .collect()
    }

    /// The qubits the string acts on.
    pub fn support(&self) -> usize {
        self.x | self.z
    }

    /// The string restricted to the qubits in `mask`.
    pub fn restrict(&self, mask: usize) -> PauliString {
        PauliString {
            x: self.x & mask,
            z: self.z & mask,
        }
    }

    /// P|c> = phase(c) |c ^ x>: i^(#Y) (-1)^(popcount(c & z)).
    #[inline]
    fn phase(&self, c: usize) -> C {
        let ny = (self.x & self.z).count_ones() % 4;
        let base = [
            C::new(1.0, 0.0),
            C::new(0.0, 1.0),
            C::new(-1.0, 0.0),
            C::new(0.0, -1.0),
        ][ny as usize];
        if (c & self.z).count_ones() % 2 == 1 {
            -base
        } else {
            base
        }
    }

    /// Tr(rho P) (real, since rho and P are Hermitian).
    pub fn expectation(&self, rho: &DensityMatrix) -> f64 {
        let d = rho.dim();
        let data = rho.entries();
        let ny = (self.x & self.z).count_ones() % 4;
        let mut acc = C::new(0.0, 0.0);
        for c in 0..d {
            // (rho P)[c, c] = rho[c, c ^ x] * phase(c ^ x -> c)... P[c ^ x, c] = phase(c)
            let v = data[c * d + (c ^ self.x)];
            if (c & self.z).count_ones() % 2 == 1 {
                acc -= v;
            } else {
                acc += v;
            }
        }
        let scaled = match ny {
            0 => acc,
            1 => acc * C::new(0.0, 1.0),
            2 => -acc,
            _ => acc * C::new(0.0, -1.0),
        };
        scaled.re
    }

    /// Column `c` of the matrix: (row, value).
    pub fn column(&self, c: usize) -> (usize, C) {
        (c ^ self.x, self.phase(c))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hamiltonian {
    pub n_qubits: usize,
    pub terms: Vec<(f64, PauliString)>,
}

impl Hamiltonian {
    pub fn load(path: &Path) -> Result<Hamiltonian, QuantumError> {
        let text = std::fs::read_to_string(path).map_err(|source| QuantumError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Hamiltonian::parse(&path.display().to_string(), &text)
    }

    pub fn parse(path: &str, text: &str) -> Result<Hamiltonian, QuantumError> {
        let mut n = None;
        let mut terms = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let body = line.split('#').next().unwrap_or("").trim();
            if body.is_empty() {
                continue;
            }
            let syntax = |detail: String| QuantumError::Syntax {
                path: path.into(),
                line: line_no,
                detail,
            };
            let mut parts = body.split_whitespace();
            let (Some(coef), Some(label), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(syntax(format!("expected `coef PAULISTRING`, got `{body}`")));
            };
            let coef: f64 = coef
                .parse()
                .ok()
                .filter(|c: &f64| c.is_finite())
                .ok_or_else(|| syntax(format!("coefficient `{coef}` is not a finite number")))?;
            let p = PauliString::parse(label).ok_or_else(|| {
                syntax(format!(
                    "Pauli string `{label}` has a letter other than I, X, Y, Z"
                ))
            })?;
            let len = label.chars().count();
            if len == 0 || len > MAX_QUBITS {
                return Err(syntax(format!(
                    "Pauli string `{label}` has {len} qubits (1 to {MAX_QUBITS})"
                )));
            }
            match n {
                None => n = Some(len),
                Some(m) if m != len => {
                    return Err(syntax(format!(
                        "Pauli string `{label}` has {len} qubits, earlier lines have {m}"
                    )))
                }
                _ => {}
            }
            terms.push((coef, p));
        }
        let Some(n_qubits) = n else {
            return Err(QuantumError::Syntax {
                path: path.into(),
                line: 0,
                detail: "no `coef PAULISTRING` line".into(),
            });
        };
        Ok(Hamiltonian { n_qubits, terms })
    }

    /// Tr(rho H), exact.
    pub fn expectation(&self, rho: &DensityMatrix) -> f64 {
        self.terms.iter().map(|(c, p)| c * p.expectation(rho)).sum()
    }

    /// The dense 2^n x 2^n matrix, row-major (a reference for tests and diagonalisation).
    pub fn dense(&self) -> Vec<C> {
        let d = 1usize << self.n_qubits;
        let mut m = vec![C::new(0.0, 0.0); d * d];
        for (coef, p) in &self.terms {
            for c in 0..d {
                let (r, v) = p.column(c);
                m[r * d + c] += v * *coef;
            }
        }
        m
    }

    /// The exact ground energy: the lowest eigenvalue of the dense matrix, by cyclic Jacobi
    /// rotations on its real symmetric embedding [[A, -B], [B, A]] (same spectrum, each
    /// eigenvalue twice), so no LAPACK binding is needed for the <= 2^10 sizes used here.
    pub fn ground_energy(&self) -> f64 {
        let d = 1usize << self.n_qubits;
        let h = self.dense();
        let complex = h.iter().any(|z| z.im.abs() > 1e-14);
        let m = if complex { 2 * d } else { d };
        let mut a = vec![0.0f64; m * m];
        for r in 0..d {
            for c in 0..d {
                let z = h[r * d + c];
                a[r * m + c] = z.re;
                if complex {
                    a[(r + d) * m + c + d] = z.re;
                    a[r * m + c + d] = -z.im;
                    a[(r + d) * m + c] = z.im;
                }
            }
        }
        jacobi_eigenvalues(&mut a, m)
            .into_iter()
            .fold(f64::INFINITY, f64::min)
    }
}

/// Eigenvalues of a real symmetric m x m matrix (destroys `a`).
fn jacobi_eigenvalues(a: &mut [f64], m: usize) -> Vec<f64> {
    let norm: f64 = a.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
    for _sweep in 0..100 {
        let off: f64 = (0..m)
            .flat_map(|i| (0..m).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * m + j] * a[i * m + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-15 * norm {
            break;
        }
        for p in 0..m {
            for q in p + 1..m {
                let apq = a[p * m + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let (app, aqq) = (a[p * m + p], a[q * m + q]);
                let tau = (aqq - app) / (2.0 * apq);
                let t = tau.signum().max(0.0) * 2.0 - 1.0;
                let t = t / (tau.abs() + (1.0 + tau * tau).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                for k in 0..m {
                    let (akp, akq) = (a[k * m + p], a[k * m + q]);
                    a[k * m + p] = c * akp - s * akq;
                    a[k * m + q] = s * akp + c * akq;
                }
                for k in 0..m {
                    let (apk, aqk) = (a[p * m + k], a[q * m + k]);
                    a[p * m + k] = c * apk - s * aqk;
                    a[q * m + k] = s * apk + c * aqk;
                }
            }
        }
    }
    (0..m).map(|i| a[i * m + i]).collect()
}
