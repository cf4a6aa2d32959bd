//! The named circuits the generators make (`rca16`, `wallace8`, `aes_sbox`, ...) and the
//! train/test split by family used by the recipe-search agents.
//!
//! The split is by family, never by width, so no test circuit is a resized training circuit:
//! training = ripple-carry adders, array multipliers, comparators; test = carry-lookahead and
//! Kogge-Stone adders and Wallace multipliers (the training functions in other structures),
//! and the ALU and AES S-box (functions unlike any training family: mixed arithmetic/logic with
//! a mux tree, and a random-looking 8-bit permutation given by its truth table).

use super::gen::Netlist;
use super::gen_arith as a;
use super::gen_sbox::aes_sbox;
use super::run::Circuit;

/// A generator family.
#[derive(Clone, Copy, Debug)]
pub struct Family {
    pub prefix: &'static str,
    pub description: &'static str,
    pub make: fn(usize) -> Netlist,
    /// Widths this family accepts.
    pub widths: (usize, usize),
}

fn sbox(_: usize) -> Netlist {
    aes_sbox()
}

pub const FAMILIES: [Family; 8] = [
    Family {
        prefix: "rca",
        description: "ripple-carry adder",
        make: a::ripple_adder,
        widths: (1, 128),
    },
    Family {
        prefix: "cla",
        description: "carry-lookahead adder (4-bit blocks)",
        make: a::cla_adder,
        widths: (1, 128),
    },
    Family {
        prefix: "ks",
        description: "Kogge-Stone parallel-prefix adder",
        make: a::kogge_stone_adder,
        widths: (1, 128),
    },
    Family {
        prefix: "arrmul",
        description: "array multiplier",
        make: a::array_multiplier,
        widths: (1, 32),
    },
    Family {
        prefix: "wallace",
        description: "Wallace-tree multiplier",
        make: a::wallace_multiplier,
        widths: (1, 32),
    },
    Family {
        prefix: "cmp",
        description: "unsigned comparator (lt, eq, gt)",
        make: a::comparator,
        widths: (1, 128),
    },
    Family {
        prefix: "alu",
        description: "ALU: add, sub, and, xor; zero flag",
        make: a::alu,
        widths: (1, 64),
    },
    Family {
        prefix: "aes_sbox",
        description: "AES S-box from its truth table",
        make: sbox,
        widths: (0, 0),
    },
];

/// The training circuits (families rca, arrmul, cmp).
pub const TRAIN: [&str; 8] = [
    "rca8", "rca16", "rca32", "arrmul4", "arrmul6", "cmp8", "cmp16", "cmp32",
];

/// The test circuits; `cla`/`ks`/`wallace` share a function with a training family but not its
/// structure, `alu` and `aes_sbox` share neither.
pub const TEST: [&str; 7] = [
    "cla16", "ks16", "ks32", "wallace4", "wallace6", "alu8", "aes_sbox",
];

/// The generator and width named by `name` (`ks32` -> Kogge-Stone, 32), if any.
pub fn netlist(name: &str) -> Option<Netlist> {
    if name == "aes_sbox" {
        return Some(aes_sbox());
    }
    FAMILIES
        .iter()
        .filter(|f| f.prefix != "aes_sbox")
        .find_map(|f| {
            let w: usize = name.strip_prefix(f.prefix)?.parse().ok()?;
            (f.widths.0..=f.widths.1).contains(&w).then(|| (f.make)(w))
        })
}

/// A generated circuit as BLIF, ready for ABC.
pub fn circuit(name: &str) -> Option<Circuit> {
    netlist(name).map(|n| Circuit::blif(name, n.to_blif()))
}

/// What names [`circuit`] accepts, for error messages.
pub fn known_names() -> String {
    FAMILIES
        .iter()
        .map(|f| {
            if f.widths == (0, 0) {
                f.prefix.to_string()
            } else {
                format!("{}N (N {}..={})", f.prefix, f.widths.0, f.widths.1)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_by_family() {
        let family = |n: &str| {
            FAMILIES
                .iter()
                .find(|f| n.starts_with(f.prefix))
                .map(|f| f.prefix)
        };
        for t in TEST {
            assert!(netlist(t).is_some(), "{t}");
            assert!(TRAIN.iter().all(|r| family(r) != family(t)), "{t}");
        }
        for r in TRAIN {
            assert!(netlist(r).is_some(), "{r}");
        }
        assert!(netlist("rca0").is_none() && netlist("ks").is_none() && netlist("x8").is_none());
    }
}
