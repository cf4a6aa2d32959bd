//! LLM clients. (Placeholder in the `local` branch: the lead owns this file.)

pub mod local;
