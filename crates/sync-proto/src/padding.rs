//! Padding before sealing, so a record's size says little about what changed: a 4-byte
//! big-endian length, the plaintext, then zeros up to the Padmé length (Nikitin et al., "Reducing
//! Metadata Leakage from Encrypted Files and Communication with PURBs", 2019), at least
//! [`MIN_PADDED`] bytes. Padmé costs at most 12% of overhead and leaks O(log log n) bits of the
//! length, where padding to powers of two costs up to 100%.

/// The smallest padded plaintext: one category change and a hundred look alike.
pub const MIN_PADDED: usize = 256;

const LEN_PREFIX: usize = 4;

/// Why opened bytes are not a padded plaintext (a bug or a forgery that got past the tag).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaddingError {
    #[error("the padded record is {len} bytes, shorter than its length prefix")]
    TooShort { len: usize },
    #[error("the padded record says it holds {said} bytes, but holds only {held}")]
    Length { said: usize, held: usize },
    #[error("the padded record's padding is not zeros")]
    NotZeros,
}

/// The Padmé length for `len` bytes (`len` itself at most 12% more), never below [`MIN_PADDED`].
pub fn padded_len(len: usize) -> usize {
    if len <= MIN_PADDED {
        return MIN_PADDED;
    }
    let exponent = usize::BITS - 1 - len.leading_zeros(); // floor(log2 len)
    let exponent_bits = u32::BITS - exponent.leading_zeros(); // floor(log2 exponent) + 1
    let low_bits = exponent - exponent_bits;
    let mask = (1usize << low_bits) - 1;
    (len + mask) & !mask
}

/// `plaintext`, length-prefixed and padded with zeros to [`padded_len`].
pub fn pad(plaintext: &[u8]) -> Vec<u8> {
    let total = padded_len(plaintext.len() + LEN_PREFIX);
    let mut out = Vec::with_capacity(total);
    // A record's plaintext is bounded far below 4 GiB by the upload limits.
    out.extend_from_slice(&u32::try_from(plaintext.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(plaintext);
    out.resize(total, 0);
    out
}

/// The plaintext back from padded bytes.
pub fn unpad(padded: &[u8]) -> Result<&[u8], PaddingError> {
    let (prefix, rest) =
        padded.split_first_chunk::<LEN_PREFIX>().ok_or(PaddingError::TooShort { len: padded.len() })?;
    let said = u32::from_be_bytes(*prefix) as usize;
    if said > rest.len() {
        return Err(PaddingError::Length { said, held: rest.len() });
    }
    let (plaintext, zeros) = rest.split_at(said);
    if zeros.iter().any(|&b| b != 0) {
        return Err(PaddingError::NotZeros);
    }
    Ok(plaintext)
}
