//! spearmint-formats: (stub, being written)
