//! A noisy quantum-circuit simulator for variational algorithms on up to 10 qubits: density
//! matrices with local gate and channel kernels, device noise from a calibration, Pauli-sum
//! Hamiltonians, and the VQE optimisers CRLQAS's architecture search runs in its inner loop.

pub mod circuit;
pub mod cli;
pub mod error;
pub mod hamiltonian;
pub mod noise;
pub mod qas;
pub mod sim;
pub mod state;
pub mod vqe;

pub use circuit::{Circuit, Gate, GateKind};
pub use error::QuantumError;
pub use hamiltonian::{Hamiltonian, PauliString};
pub use noise::{DeviceNoise, NoiseModel};
pub use sim::{energy, run, EnergyStats, SimConfig};
pub use state::DensityMatrix;
