//! Table-driven address decoding for the engine's inner loop: [`AddressMapping::decode`] gathers
//! every coordinate bit one by one (about 300 instructions per request, a few percent of an
//! evaluation); here each address byte looks up its share of rank, global bank and row, and the
//! shares add up (the coordinate bits of different bytes never overlap). Same result, checked
//! against `decode` in the tests below.

use super::config::AddressMapping;

/// One byte value's contribution to (rank, global bank, row).
#[derive(Clone, Copy, Default)]
struct Share {
    rank: u32,
    bank: u32,
    row: u32,
}

pub struct Decoder {
    xor: Vec<(u32, u32)>,
    /// `tables[i][v]`: the share of address byte `i` having value `v`.
    tables: Vec<[Share; 256]>,
}

impl Decoder {
    pub fn new(m: &AddressMapping, banks_per_rank: u32) -> Self {
        let per_group = 1u32 << m.bank_bits.len().min(31);
        let highest = [&m.rank_bits, &m.bank_bits, &m.bankgroup_bits, &m.row_bits]
            .iter()
            .flat_map(|v| v.iter())
            .copied()
            .max();
        let bytes = highest.map_or(0, |b| b as usize / 8 + 1);
        // the value of coordinate `bits` when only address bit `bit` is set
        let weight = |bits: &[u32], bit: u32| -> u32 {
            bits.iter()
                .position(|&b| b == bit)
                .map_or(0, |i| 1u32.wrapping_shl(i as u32))
        };
        let tables = (0..bytes)
            .map(|byte| {
                let mut table = [Share::default(); 256];
                for (v, share) in table.iter_mut().enumerate() {
                    for k in 0..8 {
                        if v & (1 << k) == 0 {
                            continue;
                        }
                        let bit = (byte * 8 + k) as u32;
                        let rank = weight(&m.rank_bits, bit);
                        share.rank = share.rank.wrapping_add(rank);
                        share.bank = share
                            .bank
                            .wrapping_add(weight(&m.bank_bits, bit))
                            .wrapping_add(weight(&m.bankgroup_bits, bit).wrapping_mul(per_group))
                            .wrapping_add(rank.wrapping_mul(banks_per_rank));
                        share.row = share.row.wrapping_add(weight(&m.row_bits, bit));
                    }
                }
                table
            })
            .collect();
        Decoder {
            xor: m.xor.clone(),
            tables,
        }
    }

    /// (rank, global bank, row) of `addr`, as `AddressMapping::decode` gives them.
    #[inline]
    pub fn decode(&self, addr: u64) -> (u32, u32, u32) {
        let mut a = addr;
        for &(first, second) in &self.xor {
            let bit = ((a >> first) ^ (a >> second)) & 1;
            a = (a & !(1u64 << first)) | (bit << first);
        }
        let (mut rank, mut bank, mut row) = (0u32, 0u32, 0u32);
        for (i, table) in self.tables.iter().enumerate() {
            let s = &table[((a >> (8 * i)) & 0xFF) as usize];
            rank = rank.wrapping_add(s.rank);
            bank = bank.wrapping_add(s.bank);
            row = row.wrapping_add(s.row);
        }
        (rank, bank, row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(m: &AddressMapping, banks_per_rank: u32) {
        let d = Decoder::new(m, banks_per_rank);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let addr = state & m.max_address();
            let want = m.decode(addr, banks_per_rank);
            assert_eq!(
                d.decode(addr),
                (want.rank, want.bank, want.row),
                "{addr:#x}"
            );
        }
    }

    #[test]
    fn tables_decode_as_the_bit_gather_does() {
        // DDR3 example (row-bank-column), a DDR4-like one with bank groups, ranks and XOR
        check(
            &AddressMapping {
                bank_bits: vec![13, 14, 15],
                row_bits: (16..30).collect(),
                column_bits: (3..13).collect(),
                byte_bits: vec![0, 1, 2],
                ..AddressMapping::default()
            },
            8,
        );
        check(
            &AddressMapping {
                xor: vec![(13, 20), (14, 21)],
                rank_bits: vec![31],
                bankgroup_bits: vec![30, 12],
                bank_bits: vec![13, 14],
                row_bits: (15..30).collect(),
                column_bits: (3..12).collect(),
                byte_bits: vec![0, 1, 2],
                ..AddressMapping::default()
            },
            16,
        );
    }
}
