//! MBAT vector-symbolic representation of JSON (Gallant 2022, "Orthogonal Matrices for MBAT
//! Vector Symbolic Architectures, and a 'Soft' VSA Representation for JSON"): any JSON value
//! as one fixed-length unit vector, so that similar objects have similar vectors and a cosine
//! nearest-neighbour search finds past designs like a new one (the retrieval of ABC-RL's
//! similarity-weighted agent).
//!
//! Terms are added; binding is multiplication by random orthogonal matrices, which keeps
//! lengths (the paper's fix for the instability of general random matrices) and does not
//! commute, so a key bound to a value differs from the value bound to the key, and nesting is
//! kept. Choices made here, where the paper leaves room:
//! - a member `k: v` is `A(k) + M D_k enc(v)`: `M` one orthogonal matrix for "is the value of",
//!   `D_k` a diagonal of signs drawn from the key, so the binding is key-specific (swapping the
//!   values of two keys changes the vector) and can be undone for a key ([`Vsa::unbind`]);
//!   members are summed, so member order does not count (JSON objects are unordered, and
//!   serde_json's map sorts them anyway);
//! - an array is `sum_i P^i enc(e_i)`, `P` another orthogonal matrix: position counts;
//! - numbers are "soft": a point on a log scale interpolated between anchor atoms, so 10 and 11
//!   are close, 10 and 1000 are not, and the cosine falls smoothly as a number moves;
//! - the orthogonal matrices are a random sign flip, a random permutation and four Householder
//!   reflections: exactly orthogonal, random, and applied in O(dim) without storing dim^2 numbers.
//!
//! Everything random is drawn from the seed, so the same seed gives the same vectors on every run.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use super::error::DseError;

/// A random orthogonal map: x -> H4 H3 H2 H1 (perm(signs * x)).
#[derive(Clone, Debug)]
struct Orthogonal {
    signs: Vec<f64>,
    perm: Vec<usize>,
    reflections: Vec<Vec<f64>>,
}

fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-300);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn unit(mut v: Vec<f64>) -> Vec<f64> {
    let n = norm(&v);
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    v
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn add(acc: &mut [f64], v: &[f64], w: f64) {
    acc.iter_mut().zip(v).for_each(|(a, b)| *a += w * b);
}

impl Orthogonal {
    fn new(dim: usize, rng: &mut ChaCha8Rng) -> Orthogonal {
        let signs = (0..dim)
            .map(|_| if rng.gen::<bool>() { 1.0 } else { -1.0 })
            .collect();
        let mut perm: Vec<usize> = (0..dim).collect();
        for i in (1..dim).rev() {
            perm.swap(i, rng.gen_range(0..=i));
        }
        let reflections = (0..4)
            .map(|_| unit((0..dim).map(|_| gaussian(rng)).collect()))
            .collect();
        Orthogonal {
            signs,
            perm,
            reflections,
        }
    }

    fn reflect(v: &mut [f64], u: &[f64]) {
        let d: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
        v.iter_mut().zip(u).for_each(|(a, b)| *a -= 2.0 * d * b);
    }

    fn apply(&self, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; x.len()];
        for (i, p) in self.perm.iter().enumerate() {
            y[*p] = self.signs[i] * x[i];
        }
        for u in &self.reflections {
            Self::reflect(&mut y, u);
        }
        y
    }

    /// The inverse (the transpose, as the map is orthogonal).
    fn apply_t(&self, x: &[f64]) -> Vec<f64> {
        let mut y = x.to_vec();
        for u in self.reflections.iter().rev() {
            Self::reflect(&mut y, u);
        }
        let mut z = vec![0.0; x.len()];
        for (i, p) in self.perm.iter().enumerate() {
            z[i] = self.signs[i] * y[*p];
        }
        z
    }
}

/// The encoder: a seeded codebook of atoms and the binding matrices.
#[derive(Clone, Debug)]
pub struct Vsa {
    dim: usize,
    seed: u64,
    value_of: Orthogonal,
    next: Orthogonal,
}

/// Anchors of the soft number scale per unit of log2(1 + |x|): one per factor of 4, so
/// numbers within a factor of ~4 share an anchor and similarity falls over a factor of ~16.
const NUMBER_RESOLUTION: f64 = 0.5;

impl Vsa {
    /// `dim` from 16 to 65536.
    pub fn new(dim: usize, seed: u64) -> Result<Vsa, DseError> {
        if !(16..=65536).contains(&dim) {
            return Err(DseError::BadObjective(format!(
                "vsa: dimension {dim} is outside 16..=65536"
            )));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4d42_4154);
        Ok(Vsa {
            dim,
            seed,
            value_of: Orthogonal::new(dim, &mut rng),
            next: Orthogonal::new(dim, &mut rng),
        })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    fn rng_for(&self, kind: &str, name: &str) -> ChaCha8Rng {
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(name.as_bytes());
        ChaCha8Rng::from_seed(h.finalize().into())
    }

    /// The atom of a symbol (a key, a string, `true`...): a random unit vector fixed by the seed.
    pub fn atom(&self, kind: &str, name: &str) -> Vec<f64> {
        let mut rng = self.rng_for(kind, name);
        unit((0..self.dim).map(|_| gaussian(&mut rng)).collect())
    }

    fn key_signs(&self, key: &str) -> Vec<f64> {
        let mut rng = self.rng_for("keysign", key);
        (0..self.dim)
            .map(|_| if rng.gen::<bool>() { 1.0 } else { -1.0 })
            .collect()
    }

    /// `M D_k v`: `v` as the value of `key`.
    pub fn bind(&self, key: &str, v: &[f64]) -> Vec<f64> {
        let s = self.key_signs(key);
        let x: Vec<f64> = v.iter().zip(&s).map(|(a, b)| a * b).collect();
        self.value_of.apply(&x)
    }

    /// The inverse of [`bind`](Self::bind) for `key`, applied to an object's vector: close to the
    /// key's value (plus noise from the other members).
    pub fn unbind(&self, key: &str, object: &[f64]) -> Vec<f64> {
        let s = self.key_signs(key);
        self.value_of
            .apply_t(object)
            .iter()
            .zip(&s)
            .map(|(a, b)| a * b)
            .collect()
    }

    /// A number on the soft scale: linear interpolation between the two nearest anchors of
    /// `sign(x) log2(1 + |x|)`.
    pub fn number(&self, x: f64) -> Vec<f64> {
        let x = if x.is_finite() { x } else { 0.0 };
        let t = x.signum() * (1.0 + x.abs()).log2() * NUMBER_RESOLUTION;
        let lo = t.floor();
        let f = t - lo;
        let a = self.atom("num", &format!("{}", lo as i64));
        let b = self.atom("num", &format!("{}", lo as i64 + 1));
        let mut v = vec![0.0; self.dim];
        add(&mut v, &a, 1.0 - f);
        add(&mut v, &b, f);
        unit(v)
    }

    /// Any JSON value as a unit vector.
    pub fn encode(&self, value: &serde_json::Value) -> Vec<f64> {
        use serde_json::Value as J;
        match value {
            J::Null => self.atom("lit", "null"),
            J::Bool(b) => self.atom("lit", if *b { "true" } else { "false" }),
            J::Number(n) => self.number(n.as_f64().unwrap_or(0.0)),
            J::String(s) => self.atom("str", s),
            J::Array(items) => {
                if items.is_empty() {
                    return self.atom("lit", "[]");
                }
                let mut acc = vec![0.0; self.dim];
                // P^i e_i, applied innermost first: acc = e_0 + P(e_1 + P(e_2 + ...))
                for item in items.iter().rev() {
                    acc = self.next.apply(&acc);
                    add(&mut acc, &self.encode(item), 1.0);
                }
                unit(acc)
            }
            J::Object(map) => {
                if map.is_empty() {
                    return self.atom("lit", "{}");
                }
                let mut acc = vec![0.0; self.dim];
                for (k, v) in map {
                    add(&mut acc, &self.atom("key", k), 1.0);
                    add(&mut acc, &self.bind(k, &self.encode(v)), 1.0);
                }
                unit(acc)
            }
        }
    }
}

/// Cosine similarity (0 when either vector is zero).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / (na * nb)
}

/// Stored vectors with labels, searched by cosine.
#[derive(Clone, Debug, Default)]
pub struct Index {
    items: Vec<(String, Vec<f64>)>,
}

impl Index {
    pub fn new() -> Index {
        Index::default()
    }

    pub fn insert(&mut self, label: &str, v: Vec<f64>) {
        self.items.push((label.into(), v));
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The `k` most similar stored vectors, most similar first (ties by insertion order).
    pub fn nearest(&self, query: &[f64], k: usize) -> Vec<(String, f64)> {
        let mut scored: Vec<(usize, f64)> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, (_, v))| (i, cosine(query, v)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
            .into_iter()
            .take(k)
            .map(|(i, c)| (self.items[i].0.clone(), c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vsa() -> Vsa {
        Vsa::new(1024, 7).unwrap()
    }

    #[test]
    fn binding_matrices_are_orthogonal() {
        let v = vsa();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x: Vec<f64> = (0..1024).map(|_| gaussian(&mut rng)).collect();
        let y = v.value_of.apply(&x);
        assert!((norm(&y) - norm(&x)).abs() < 1e-9 * norm(&x));
        let back = v.value_of.apply_t(&y);
        assert!(x.iter().zip(&back).all(|(a, b)| (a - b).abs() < 1e-9));
        assert!(cosine(&x, &y).abs() < 0.15, "binding scrambles");
    }

    #[test]
    fn same_seed_same_vectors_other_seed_not() {
        let j = json!({"circuit": "alu8", "ands": 180, "levels": [23, 21]});
        let a = vsa().encode(&j);
        assert_eq!(a, vsa().encode(&j));
        let b = Vsa::new(1024, 8).unwrap().encode(&j);
        assert!(cosine(&a, &b).abs() < 0.2);
        assert_eq!(a.len(), 1024);
        assert!((norm(&a) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn similar_json_is_near_and_a_changed_leaf_lowers_it_smoothly() {
        let v = vsa();
        let base = |ands: f64| json!({"inputs": 18, "outputs": 9, "ands": ands, "levels": 23, "family": "alu"});
        let b = v.encode(&base(180.0));
        assert!(cosine(&b, &v.encode(&base(181.0))) > 0.99);
        let mut last = 1.0;
        for ands in [200.0, 260.0, 400.0, 800.0, 1500.0] {
            let c = cosine(&b, &v.encode(&base(ands)));
            assert!(c < last, "{ands}: {c} not below {last}");
            last = c;
        }
        // beyond the scale's reach the number is unrelated, and the four equal leaves remain
        let far = cosine(&b, &v.encode(&base(1e7)));
        assert!(far < last + 0.05 && far > 0.6, "{far} vs {last}");
        let other = json!({"name": "sbox", "depth": 3, "cells": ["x", "y"]});
        assert!(cosine(&b, &v.encode(&other)).abs() < 0.2);
    }

    #[test]
    fn binding_is_not_commutative_and_keeps_nesting() {
        let v = vsa();
        let a = v.encode(&json!({"a": "x", "b": "y"}));
        let swapped = v.encode(&json!({"a": "y", "b": "x"}));
        assert!(cosine(&a, &swapped) < 0.6, "{}", cosine(&a, &swapped));
        let kv = v.encode(&json!({"a": "b"}));
        let vk = v.encode(&json!({"b": "a"}));
        assert!(cosine(&kv, &vk).abs() < 0.2);
        let n1 = v.encode(&json!({"p": {"q": 1}}));
        let n2 = v.encode(&json!({"q": {"p": 1}}));
        assert!(cosine(&n1, &n2).abs() < 0.2);
        let l1 = v.encode(&json!(["x", "y", "z"]));
        let l2 = v.encode(&json!(["z", "y", "x"]));
        assert!(cosine(&l1, &l2) < 0.6, "array order counts");
    }

    #[test]
    fn bound_values_can_be_queried_back() {
        let v = vsa();
        let colours = ["red", "green", "blue", "cyan", "black", "white"];
        let keys = ["k0", "k1", "k2", "k3", "k4", "k5"];
        let obj: serde_json::Map<String, serde_json::Value> = keys
            .iter()
            .zip(colours.iter().cycle().skip(2))
            .map(|(k, c)| (k.to_string(), json!(c)))
            .collect();
        let o = v.encode(&serde_json::Value::Object(obj.clone()));
        let mut book = Index::new();
        for c in colours {
            book.insert(c, v.atom("str", c));
        }
        for (k, want) in &obj {
            let got = book.nearest(&v.unbind(k, &o), 2);
            assert_eq!(got[0].0, want.as_str().unwrap(), "{k}: {got:?}");
            assert!(got[0].1 > 0.2 && got[1].1 < 0.15, "{k}: {got:?}");
        }
    }

    #[test]
    fn nearest_neighbour_orders_by_cosine() {
        let v = vsa();
        let mut idx = Index::new();
        for (name, ands) in [("small", 50.0), ("mid", 500.0), ("big", 5000.0)] {
            idx.insert(name, v.encode(&json!({"ands": ands, "kind": "adder"})));
        }
        let q = v.encode(&json!({"ands": 450.0, "kind": "adder"}));
        let got = idx.nearest(&q, 3);
        assert_eq!(got[0].0, "mid");
        assert!(got[0].1 > got[1].1 && got[1].1 >= got[2].1);
        assert!(Vsa::new(8, 0).is_err());
    }
}
