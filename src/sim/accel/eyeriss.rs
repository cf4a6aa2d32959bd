//! The Eyeriss-like 45 nm accelerator of the Timeloop exercises (168 PEs with ifmap/weight/psum
//! scratchpads, a shared global buffer, DRAM) as a parameterised architecture, its row-stationary
//! map space (the exercise's architecture and map-space constraints), and the convolution layer
//! sets of AlexNet, ResNet-50 and MobileNetV2 that TimeloopGym searches over.
//!
//! Energies per access come from the exercise's Accelergy ERT and do not change with a buffer's
//! depth (re-estimating them is Accelergy's job, out of scope); storage areas are the ART's scaled
//! linearly with capacity, arithmetic area per MAC unit.

use std::path::{Path, PathBuf};

use super::error::AccelError;
use super::mapper::{LevelSpace, MapSpace};
use super::spec::{arch_from_yaml, load_arch, parse_yaml, Arch, DataSpace, Problem, Tables};

/// The directory with the reference architecture and its tables in a checkout.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/accel/eyeriss")
}

/// The reference design's files, carried inside the binary (an installed or copied `l2mac` has
/// no checkout to read them from): architecture, ERT, ART, as in examples/accel/eyeriss.
const BUILTIN: [(&str, &str); 3] = [
    (
        "eyeriss_like.yaml",
        include_str!("../../../examples/accel/eyeriss/eyeriss_like.yaml"),
    ),
    (
        "eyeriss_like.ERT.yaml",
        include_str!("../../../examples/accel/eyeriss/eyeriss_like.ERT.yaml"),
    ),
    (
        "eyeriss_like.ART.yaml",
        include_str!("../../../examples/accel/eyeriss/eyeriss_like.ART.yaml"),
    ),
];

/// The reference (168-PE) architecture from the copy inside the binary.
pub fn builtin_reference_arch() -> Result<Arch, AccelError> {
    let [(arch_name, arch), (ert_name, ert), (art_name, art)] = BUILTIN;
    let shown = |n: &str| format!("(built in) examples/accel/eyeriss/{n}");
    let mut tables = Tables::default();
    tables.read_ert(&shown(ert_name), &parse_yaml(&shown(ert_name), ert)?)?;
    tables.read_art(&shown(art_name), &parse_yaml(&shown(art_name), art)?)?;
    arch_from_yaml(
        &shown(arch_name),
        &parse_yaml(&shown(arch_name), arch)?,
        &tables,
    )
}

/// The reference (168-PE) architecture with its ERT/ART energies and areas.
pub fn reference_arch(dir: &Path) -> Result<Arch, AccelError> {
    let tables = Tables::load(
        Some(&dir.join("eyeriss_like.ERT.yaml")),
        Some(&dir.join("eyeriss_like.ART.yaml")),
    )?;
    load_arch(&dir.join("eyeriss_like.yaml"), &tables)
}

/// TimeloopGym's knobs.
#[derive(Clone, Debug, PartialEq)]
pub struct EyerissParams {
    /// Rows of 14 PEs (NumPEs = 14 x rows).
    pub pe_rows: u64,
    pub ifmap_spad_depth: u64,
    pub weights_spad_depth: u64,
    pub psum_spad_depth: u64,
    /// Read and write bandwidth of each scratchpad, words per cycle.
    pub spad_bandwidth: f64,
    pub glb_depth: u64,
    /// Read and write bandwidth of the global buffer, words per cycle.
    pub glb_bandwidth: f64,
}

impl Default for EyerissParams {
    fn default() -> Self {
        EyerissParams {
            pe_rows: 12,
            ifmap_spad_depth: 12,
            weights_spad_depth: 192,
            psum_spad_depth: 16,
            spad_bandwidth: 2.0,
            glb_depth: 16384,
            glb_bandwidth: 16.0,
        }
    }
}

/// The architecture for `p`, derived from the reference one.
pub fn arch(reference: &Arch, p: &EyerissParams) -> Arch {
    let mut a = reference.clone();
    let pes = 14 * p.pe_rows.max(1);
    let resize = |l: &mut super::spec::StorageLevel, words: u64| {
        if let Some(old) = l.size.filter(|&s| s > 0) {
            l.area *= words as f64 / old as f64;
        }
        l.size = Some(words);
    };
    for l in a.storage.iter_mut() {
        match l.name.as_str() {
            "ifmap_spad" | "weights_spad" | "psum_spad" => {
                l.instances = pes;
                l.mesh_x = 14;
                let depth = match l.name.as_str() {
                    "ifmap_spad" => p.ifmap_spad_depth,
                    "weights_spad" => p.weights_spad_depth,
                    _ => p.psum_spad_depth,
                };
                let words = depth * l.block_size * l.cluster_size;
                resize(l, words);
                l.read_bandwidth = Some(p.spad_bandwidth);
                l.write_bandwidth = Some(p.spad_bandwidth);
            }
            "shared_glb" => {
                let words = p.glb_depth * l.block_size * l.cluster_size;
                resize(l, words);
                l.read_bandwidth = Some(p.glb_bandwidth);
                l.write_bandwidth = Some(p.glb_bandwidth);
            }
            _ => {}
        }
    }
    a.arith.instances = pes;
    a.arith.mesh_x = 14;
    a
}

/// The dimension order of Timeloop's CNN-Layer shape.
pub const DIMS: [&str; 7] = ["C", "M", "R", "S", "N", "P", "Q"];

/// A convolution layer in Timeloop's CNN-Layer shape.
pub fn conv(name: &str, c: i64, m: i64, r: i64, p: i64, stride: i64) -> Problem {
    let d = |n: &str| DIMS.iter().position(|x| *x == n).unwrap_or(0);
    Problem {
        name: name.to_string(),
        dims: DIMS.iter().map(|s| s.to_string()).collect(),
        bounds: vec![c, m, r, r, 1, p, p],
        data_spaces: vec![
            DataSpace {
                name: "Weights".into(),
                projection: vec![
                    vec![(1, d("C"))],
                    vec![(1, d("M"))],
                    vec![(1, d("R"))],
                    vec![(1, d("S"))],
                ],
                read_write: false,
            },
            DataSpace {
                name: "Inputs".into(),
                projection: vec![
                    vec![(1, d("N"))],
                    vec![(1, d("C"))],
                    vec![(1, d("R")), (stride, d("P"))],
                    vec![(1, d("S")), (stride, d("Q"))],
                ],
                read_write: false,
            },
            DataSpace {
                name: "Outputs".into(),
                projection: vec![
                    vec![(1, d("N"))],
                    vec![(1, d("M"))],
                    vec![(1, d("Q"))],
                    vec![(1, d("P"))],
                ],
                read_write: true,
            },
        ],
    }
}

/// The networks' convolution layers (distinct shapes; MobileNetV2's depthwise layers are not in
/// the CNN-Layer shape and are left out).
pub fn network(name: &str) -> Option<Vec<Problem>> {
    let l = |n: &str, c, m, r, p, s| conv(n, c, m, r, p, s);
    Some(match name {
        "alexnet" => vec![
            l("conv1", 3, 96, 11, 55, 4),
            l("conv2", 48, 256, 5, 27, 1),
            l("conv3", 256, 384, 3, 13, 1),
            l("conv4", 192, 384, 3, 13, 1),
            l("conv5", 192, 256, 3, 13, 1),
        ],
        "resnet50" => vec![
            l("conv1", 3, 64, 7, 112, 2),
            l("res2_1x1a", 64, 64, 1, 56, 1),
            l("res2_3x3", 64, 64, 3, 56, 1),
            l("res2_1x1b", 64, 256, 1, 56, 1),
            l("res3_3x3", 128, 128, 3, 28, 1),
            l("res4_3x3", 256, 256, 3, 14, 1),
            l("res5_3x3", 512, 512, 3, 7, 1),
            l("res5_1x1b", 512, 2048, 1, 7, 1),
        ],
        "mobilenetv2" => vec![
            l("conv1", 3, 32, 3, 112, 2),
            l("pw_112_32_16", 32, 16, 1, 112, 1),
            l("pw_112_16_96", 16, 96, 1, 112, 1),
            l("pw_56_144_24", 144, 24, 1, 56, 1),
            l("pw_28_192_32", 192, 32, 1, 28, 1),
            l("pw_14_384_64", 384, 64, 1, 14, 1),
            l("pw_7_960_160", 960, 160, 1, 7, 1),
            l("conv_last", 320, 1280, 1, 7, 1),
        ],
        "vgg02_layer5" => vec![l("vgg02_layer5", 128, 256, 3, 56, 1)],
        _ => return None,
    })
}

pub const NETWORKS: [&str; 4] = ["alexnet", "resnet50", "mobilenetv2", "vgg02_layer5"];

/// The row-stationary map space of the exercise's constraint files, for `arch`'s levels
/// (psum_spad, weights_spad, ifmap_spad, DummyBuffer, shared_glb, DRAM).
pub fn map_space(arch: &Arch) -> MapSpace {
    let d = |n: &str| DIMS.iter().position(|x| *x == n).unwrap_or(0);
    let dims = |names: &[&str]| {
        let mut v = vec![false; DIMS.len()];
        for n in names {
            v[d(n)] = true;
        }
        v
    };
    let perm = |s: &str| {
        s.chars()
            .filter(|c| *c != ' ')
            .map(|c| d(&c.to_string()))
            .collect()
    };
    let keep = |names: &[&str]| {
        ["Weights", "Inputs", "Outputs"]
            .iter()
            .map(|n| names.contains(n))
            .collect::<Vec<bool>>()
    };
    let none = vec![false; DIMS.len()];
    let levels = arch
        .storage
        .iter()
        .map(|l| match l.name.as_str() {
            "psum_spad" => LevelSpace {
                temporal: dims(&["M"]),
                permutation: Some(perm("NCPQRSM")),
                spatial_x: none.clone(),
                spatial_y: none.clone(),
                keep: keep(&["Outputs"]),
            },
            "weights_spad" => LevelSpace {
                temporal: dims(&["C", "R"]),
                permutation: Some(perm("NMPQSCR")),
                spatial_x: none.clone(),
                spatial_y: none.clone(),
                keep: keep(&["Weights"]),
            },
            "ifmap_spad" => LevelSpace {
                temporal: none.clone(),
                permutation: Some(perm("NMCPQRS")),
                spatial_x: none.clone(),
                spatial_y: none.clone(),
                keep: keep(&["Inputs"]),
            },
            "DummyBuffer" => LevelSpace {
                temporal: none.clone(),
                permutation: Some(perm("NMCPQRS")),
                spatial_x: none.clone(),
                spatial_y: dims(&["S", "C", "M"]),
                keep: keep(&[]),
            },
            "shared_glb" => LevelSpace {
                temporal: dims(&["C", "P", "N", "M"]),
                permutation: Some(perm("QRSCPNM")),
                spatial_x: dims(&["Q", "M"]),
                spatial_y: none.clone(),
                keep: keep(&["Inputs", "Outputs"]),
            },
            _ => LevelSpace {
                temporal: dims(&["C", "M", "N", "Q"]),
                permutation: Some(perm("RSPCMNQ")),
                spatial_x: none.clone(),
                spatial_y: none.clone(),
                keep: keep(&["Weights", "Inputs", "Outputs"]),
            },
        })
        .collect();
    MapSpace { levels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_reference_is_the_checkout_s() {
        let built_in = builtin_reference_arch().expect("built in");
        let from_files = reference_arch(&default_dir()).expect("files");
        assert_eq!(built_in, from_files);
    }
}
