//! spearmint-sandbox-bank: (stub, being written)
