//! Arithmetic circuit generators of several architectures: ripple-carry, carry-lookahead and
//! Kogge-Stone adders, array and Wallace-tree multipliers, comparators and a small ALU, so that a
//! recipe search meets the same function in differently structured AIGs.

use super::gen::{Net, Netlist};

/// Full adder: (sum, carry).
fn full_add(n: &mut Netlist, a: Net, b: Net, c: Net) -> (Net, Net) {
    let p = n.xor(a, b);
    let s = n.xor(p, c);
    let g = n.and(a, b);
    let t = n.and(p, c);
    (s, n.or(g, t))
}

fn half_add(n: &mut Netlist, a: Net, b: Net) -> (Net, Net) {
    (n.xor(a, b), n.and(a, b))
}

fn ripple(n: &mut Netlist, a: &[Net], b: &[Net], cin: Net) -> (Vec<Net>, Net) {
    let mut c = cin;
    let mut s = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        let (si, co) = full_add(n, *x, *y, c);
        s.push(si);
        c = co;
    }
    (s, c)
}

/// `width`-bit ripple-carry adder: inputs a, b, output s (width+1 bits).
pub fn ripple_adder(width: usize) -> Netlist {
    let mut n = Netlist::new(&format!("rca{width}"));
    let a = n.input_bus("a", width);
    let b = n.input_bus("b", width);
    let zero = n.constant(false);
    let (mut s, c) = ripple(&mut n, &a, &b, zero);
    s.push(c);
    n.output_bus("s", &s);
    n
}

/// `width`-bit carry-lookahead adder: 4-bit lookahead blocks, carries rippling between blocks.
pub fn cla_adder(width: usize) -> Netlist {
    let mut n = Netlist::new(&format!("cla{width}"));
    let a = n.input_bus("a", width);
    let b = n.input_bus("b", width);
    let g: Vec<Net> = (0..width).map(|i| n.and(a[i], b[i])).collect();
    let p: Vec<Net> = (0..width).map(|i| n.xor(a[i], b[i])).collect();
    let mut c = n.constant(false);
    let mut s = Vec::with_capacity(width + 1);
    for block in (0..width).step_by(4) {
        let end = (block + 4).min(width);
        let cin = c;
        for i in block..end {
            s.push(n.xor(p[i], c));
            // c_{i+1} = g_i + p_i g_{i-1} + ... + p_i..p_block cin, flattened within the block
            let mut terms = vec![g[i]];
            let mut prod = p[i];
            for j in (block..i).rev() {
                terms.push(n.and(prod, g[j]));
                prod = n.and(prod, p[j]);
            }
            terms.push(n.and(prod, cin));
            let mut acc = terms[0];
            for t in &terms[1..] {
                acc = n.or(acc, *t);
            }
            c = acc;
        }
    }
    s.push(c);
    n.output_bus("s", &s);
    n
}

/// `width`-bit Kogge-Stone parallel-prefix adder.
pub fn kogge_stone_adder(width: usize) -> Netlist {
    let mut n = Netlist::new(&format!("ks{width}"));
    let a = n.input_bus("a", width);
    let b = n.input_bus("b", width);
    let p0: Vec<Net> = (0..width).map(|i| n.xor(a[i], b[i])).collect();
    let mut g: Vec<Net> = (0..width).map(|i| n.and(a[i], b[i])).collect();
    let mut p = p0.clone();
    let mut d = 1;
    while d < width {
        let (mut g2, mut p2) = (g.clone(), p.clone());
        for i in d..width {
            let t = n.and(p[i], g[i - d]);
            g2[i] = n.or(g[i], t);
            p2[i] = n.and(p[i], p[i - d]);
        }
        g = g2;
        p = p2;
        d *= 2;
    }
    let mut s = vec![p0[0]];
    for i in 1..width {
        s.push(n.xor(p0[i], g[i - 1]));
    }
    s.push(g[width - 1]);
    n.output_bus("s", &s);
    n
}

fn partial_products(n: &mut Netlist, a: &[Net], b: &[Net]) -> Vec<Vec<Net>> {
    // columns[k] holds the bits of weight 2^k
    let mut cols = vec![Vec::new(); a.len() + b.len()];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let pp = n.and(*x, *y);
            cols[i + j].push(pp);
        }
    }
    cols
}

/// `width` x `width` array multiplier: rows of partial products summed by ripple-carry adders.
pub fn array_multiplier(width: usize) -> Netlist {
    let mut n = Netlist::new(&format!("arrmul{width}"));
    let a = n.input_bus("a", width);
    let b = n.input_bus("b", width);
    let zero = n.constant(false);
    let mut out = Vec::new();
    // acc: the running sum shifted right by the rows done so far (width + 1 bits)
    let mut acc: Vec<Net> = (0..width).map(|i| n.and(a[i], b[0])).collect();
    acc.push(zero);
    for bj in b.iter().skip(1) {
        out.push(acc[0]);
        let row: Vec<Net> = a.iter().map(|ai| n.and(*ai, *bj)).collect();
        let (mut s, c) = ripple(&mut n, &row, &acc[1..], zero);
        s.push(c);
        acc = s;
    }
    out.extend(acc.iter());
    n.output_bus("p", &out[..2 * width]);
    n
}

/// `width` x `width` Wallace-tree multiplier: 3:2 compressors per column until two rows
/// remain, then a ripple-carry adder.
pub fn wallace_multiplier(width: usize) -> Netlist {
    let mut n = Netlist::new(&format!("wallace{width}"));
    let a = n.input_bus("a", width);
    let b = n.input_bus("b", width);
    let mut cols = partial_products(&mut n, &a, &b);
    while cols.iter().any(|c| c.len() > 2) {
        let mut next = vec![Vec::new(); cols.len() + 1];
        for (k, col) in cols.iter().enumerate() {
            let mut i = 0;
            while col.len() - i >= 3 {
                let (s, c) = full_add(&mut n, col[i], col[i + 1], col[i + 2]);
                next[k].push(s);
                next[k + 1].push(c);
                i += 3;
            }
            if col.len() - i == 2 && col.len() > 2 {
                let (s, c) = half_add(&mut n, col[i], col[i + 1]);
                next[k].push(s);
                next[k + 1].push(c);
                i += 2;
            }
            next[k].extend(&col[i..]);
        }
        while next.last().is_some_and(|c| c.is_empty()) {
            next.pop();
        }
        cols = next;
    }
    let zero = n.constant(false);
    let mut c = zero;
    let mut out = Vec::new();
    for col in cols.iter().take(2 * width) {
        let x = col.first().copied().unwrap_or(zero);
        let y = col.get(1).copied().unwrap_or(zero);
        let (s, co) = full_add(&mut n, x, y, c);
        out.push(s);
        c = co;
    }
    while out.len() < 2 * width {
        out.push(c);
        c = zero;
    }
    n.output_bus("p", &out);
    n
}

/// `width`-bit unsigned comparator: outputs lt (a < b), eq, gt.
pub fn comparator(width: usize) -> Netlist {
    let mut n = Netlist::new(&format!("cmp{width}"));
    let a = n.input_bus("a", width);
    let b = n.input_bus("b", width);
    // from the MSB down: eq so far, lt so far
    let mut eq = n.constant(true);
    let mut lt = n.constant(false);
    for i in (0..width).rev() {
        let na = n.not(a[i]);
        let bit_lt = n.and(na, b[i]);
        let x = n.xor(a[i], b[i]);
        let bit_eq = n.not(x);
        let t = n.and(eq, bit_lt);
        lt = n.or(lt, t);
        eq = n.and(eq, bit_eq);
    }
    let le = n.or(lt, eq);
    let gt = n.not(le);
    n.output("lt", lt);
    n.output("eq", eq);
    n.output("gt", gt);
    n
}

/// `width`-bit ALU with a 2-bit opcode (op0 LSB): 0 = a + b, 1 = a - b, 2 = a AND b, 3 = a XOR b;
/// outputs y (width bits) and zero (y == 0).
pub fn alu(width: usize) -> Netlist {
    let mut n = Netlist::new(&format!("alu{width}"));
    let a = n.input_bus("a", width);
    let b = n.input_bus("b", width);
    let op = n.input_bus("op", 2);
    // subtract as a + !b + 1
    let bx: Vec<Net> = b.iter().map(|x| n.xor(*x, op[0])).collect();
    let (sum, _) = ripple(&mut n, &a, &bx, op[0]);
    let mut y = Vec::with_capacity(width);
    for i in 0..width {
        let and = n.and(a[i], b[i]);
        let xor = n.xor(a[i], b[i]);
        let logic = n.mux(op[0], xor, and);
        y.push(n.mux(op[1], logic, sum[i]));
    }
    let mut any = y[0];
    for v in &y[1..] {
        any = n.or(any, *v);
    }
    let zero = n.not(any);
    n.output_bus("y", &y);
    n.output("zero", zero);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(w: usize) -> u64 {
        (1u64 << w) - 1
    }

    /// Every pair for small widths, a deterministic spread of pairs for wide ones.
    fn pairs(w: usize) -> Vec<(u64, u64)> {
        if w <= 5 {
            let m = 1u64 << w;
            (0..m).flat_map(|x| (0..m).map(move |y| (x, y))).collect()
        } else {
            let mut s = 0x9e3779b97f4a7c15u64;
            let mut v = vec![(0, 0), (mask(w), mask(w)), (mask(w), 1), (1, mask(w))];
            for _ in 0..300 {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                v.push((s & mask(w), (s >> 32) & mask(w)));
            }
            v
        }
    }

    #[test]
    fn adders_add() {
        for w in [1, 3, 4, 5, 8, 13, 16] {
            for n in [ripple_adder(w), cla_adder(w), kogge_stone_adder(w)] {
                for (x, y) in pairs(w) {
                    assert_eq!(n.eval_words(&[(x, w), (y, w)]), x + y, "{} {x}+{y}", n.name);
                }
            }
        }
    }

    #[test]
    fn multipliers_multiply() {
        for w in [1, 2, 3, 4, 5, 8] {
            for n in [array_multiplier(w), wallace_multiplier(w)] {
                assert_eq!(n.num_outputs(), 2 * w, "{}", n.name);
                for (x, y) in pairs(w) {
                    assert_eq!(n.eval_words(&[(x, w), (y, w)]), x * y, "{} {x}*{y}", n.name);
                }
            }
        }
    }

    #[test]
    fn comparator_and_alu() {
        for w in [1, 4, 9] {
            let c = comparator(w);
            let a = alu(w);
            for (x, y) in pairs(w) {
                let want = (x < y) as u64 | ((x == y) as u64) << 1 | ((x > y) as u64) << 2;
                assert_eq!(c.eval_words(&[(x, w), (y, w)]), want, "cmp {x} {y}");
                for op in 0..4u64 {
                    let y_ = match op {
                        0 => x.wrapping_add(y),
                        1 => x.wrapping_sub(y),
                        2 => x & y,
                        _ => x ^ y,
                    } & mask(w);
                    let want = y_ | ((y_ == 0) as u64) << w;
                    assert_eq!(
                        a.eval_words(&[(x, w), (y, w), (op, 2)]),
                        want,
                        "alu op{op} {x} {y}"
                    );
                }
            }
        }
    }
}
