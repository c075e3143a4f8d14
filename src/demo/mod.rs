//! Deterministic synthetic data (placeholder until the generator lands).
