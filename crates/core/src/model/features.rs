//! The shipped model's features: hashed words, word pairs and character n-grams of a seller's
//! name, the amount's sign and size, and the merchant category code.
//!
//! Shared, as source, by the build script that trains the model and by the library that runs
//! it (`build.rs` includes this file), so both read a descriptor the same way. Standard library
//! only; hashing and weight sums are integer arithmetic, so the same text gives the same
//! buckets and sums on every machine.

// Weights and confidences are floats; money never is, and none passes through here.
#![allow(clippy::float_arithmetic)]

/// Weights are kept for `2^BITS` hashed buckets.
pub const BITS: u32 = 16;
pub const BUCKETS: usize = 1 << BITS;

/// The word a feature came from, or [`NOT_A_WORD`] for the amount, the code and the bias.
pub const NOT_A_WORD: u8 = u8::MAX;

/// At most this many words of a name count (names are short; a long memo adds noise).
pub const MAX_WORDS: usize = 8;

/// One hashed feature: its bucket and the index of the word it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feature {
    pub bucket: u32,
    pub word: u8,
}

/// FNV-1a over a kind tag and some bytes: stable across platforms and releases, unlike std's
/// hashers.
fn hash(kind: u8, parts: &[&[u8]]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(kind);
    for part in parts {
        for b in *part {
            eat(*b);
        }
        eat(0xff);
    }
    // Fold the high bits in: FNV's low bits alone mix poorly for short keys.
    ((h ^ (h >> 29) ^ (h >> 47)) as u32) & (BUCKETS as u32 - 1)
}

/// The words of a name: lowercase runs of letters and digits that hold a letter (store numbers
/// say nothing), at most [`MAX_WORDS`].
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in text.split(|c: char| !c.is_alphanumeric()) {
        if token.is_empty() || !token.chars().any(char::is_alphabetic) {
            continue;
        }
        out.push(token.to_lowercase());
        if out.len() == MAX_WORDS {
            break;
        }
    }
    out
}

/// The amount's sign and order of magnitude, as one token: `out:4` is money out, between
/// 2^4 and 2^5 whole units.
fn amount_token(amount_minor: i64) -> [u8; 2] {
    let sign = if amount_minor > 0 { b'+' } else { b'-' };
    let whole = amount_minor.unsigned_abs() / 100;
    let magnitude = (u64::BITS - whole.leading_zeros()).min(16) as u8;
    [sign, magnitude]
}

/// Appends the features of a name, an amount in minor units (negative is money out) and an
/// optional merchant category code to `out`.
pub fn features(words: &[String], amount_minor: i64, mcc: Option<u16>, out: &mut Vec<Feature>) {
    let mut window = String::new();
    let mut starts: Vec<usize> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let index = i as u8;
        out.push(Feature { bucket: hash(b'w', &[word.as_bytes()]), word: index });
        if let Some(next) = words.get(i + 1) {
            out.push(Feature { bucket: hash(b'b', &[word.as_bytes(), next.as_bytes()]), word: index });
        }
        // Character 3- and 4-grams of `<word>`: `pizzeria` shares `izz` and `zer` with
        // `pizzas` and `pizzería`.
        window.clear();
        window.push('<');
        window.push_str(word);
        window.push('>');
        starts.clear();
        starts.extend(window.char_indices().map(|(at, _)| at).chain([window.len()]));
        for n in [3usize, 4] {
            if starts.len() <= n {
                continue;
            }
            for s in 0..starts.len() - n {
                let gram = &window.as_bytes()[starts[s]..starts[s + n]];
                out.push(Feature { bucket: hash(b'0' + n as u8, &[gram]), word: index });
            }
        }
    }
    out.push(Feature { bucket: hash(b'a', &[&amount_token(amount_minor)]), word: NOT_A_WORD });
    if let Some(code) = mcc {
        out.push(Feature { bucket: hash(b'm', &[&code.to_le_bytes()]), word: NOT_A_WORD });
    }
    out.push(Feature { bucket: hash(b'z', &[]), word: NOT_A_WORD });
}

/// Adds up, per class, the quantized weights of a set of features: `weights` holds one row of
/// `classes` signed bytes per bucket. Integer arithmetic, so training and use agree exactly.
pub fn sums(weights: &[u8], classes: usize, features: &[Feature], out: &mut [i32]) {
    out.iter_mut().for_each(|s| *s = 0);
    for f in features {
        let at = f.bucket as usize * classes;
        for (sum, w) in out.iter_mut().zip(&weights[at..at + classes]) {
            *sum += i32::from(*w as i8);
        }
    }
}

/// Turns per-class sums into probabilities: each weight is worth `scale`, each feature
/// `1/sqrt(n)`, and the temperature calibrates the confidence.
pub fn probabilities(sums: &[i32], features: usize, scale: f32, temperature: f32, out: &mut [f32]) {
    let factor = scale / (features.max(1) as f32).sqrt() / temperature;
    let top = sums.iter().copied().max().unwrap_or(0);
    let mut total = 0.0f32;
    for (p, s) in out.iter_mut().zip(sums) {
        *p = ((*s - top) as f32 * factor).exp();
        total += *p;
    }
    out.iter_mut().for_each(|p| *p /= total);
}
