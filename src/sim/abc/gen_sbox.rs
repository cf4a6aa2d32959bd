//! The AES S-box as a circuit, from its truth table: each output bit a 256-row table over the
//! eight input bits, computed here from the S-box's definition (inverse in GF(2^8), then the
//! affine map) rather than copied, and checked against FIPS-197's published values.

use super::gen::Netlist;

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
fn gmul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 == 1 {
            p ^= a;
        }
        let hi = a & 0x80 != 0;
        a <<= 1;
        if hi {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

/// The AES S-box value of `x` (FIPS-197 section 5.1.1).
pub fn aes_sbox_value(x: u8) -> u8 {
    // a^254 is the multiplicative inverse (0 maps to 0)
    let mut inv = 1u8;
    for _ in 0..254 {
        inv = gmul(inv, x);
    }
    if x == 0 {
        inv = 0;
    }
    let mut s = inv;
    for k in 1..5 {
        s ^= inv.rotate_left(k);
    }
    s ^ 0x63
}

/// The S-box: inputs x0..x7 (x0 = LSB), outputs y0..y7.
pub fn aes_sbox() -> Netlist {
    let mut n = Netlist::new("aes_sbox");
    let x = n.input_bus("x", 8);
    let table: Vec<u8> = (0..=255u8).map(aes_sbox_value).collect();
    let y: Vec<_> = (0..8)
        .map(|bit| {
            let on = table.iter().map(|v| (v >> bit) & 1 == 1).collect();
            n.table(x.clone(), on)
        })
        .collect();
    n.output_bus("y", &y);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_fips197() {
        // FIPS-197 Figure 7: S-box row 0 and the worked example S(0x53) = 0xed
        let row0 = [
            0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7,
            0xab, 0x76,
        ];
        for (i, v) in row0.iter().enumerate() {
            assert_eq!(aes_sbox_value(i as u8), *v, "S({i:#x})");
        }
        assert_eq!(aes_sbox_value(0x53), 0xed);
        assert_eq!(aes_sbox_value(0xff), 0x16);
        let n = aes_sbox();
        for x in 0..=255u64 {
            assert_eq!(n.eval_words(&[(x, 8)]), aes_sbox_value(x as u8) as u64);
        }
    }
}
