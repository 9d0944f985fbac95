//! The catalog model.
