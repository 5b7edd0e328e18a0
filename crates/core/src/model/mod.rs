//! The shipped model: a small linear text classifier for the names no dictionary or word list
//! decides (`marios pizzas`, `smilecare dentistry`, `stadtbäckerei`).
//!
//! It reads hashed character n-grams, words and word pairs of the normalized seller, the
//! amount's sign and size, and the merchant category code when the bank sent one
//! ([`features`]). It is trained by the build script ([`train`]) from the data the crate ships,
//! embedded in the binary (one signed byte per weight: 64 Ki buckets, about 3 MB), and answers
//! only when its calibrated confidence reaches the threshold chosen on held-out names; below
//! it, the transaction goes on down the chain and may stay Uncategorized. Deterministic: the
//! same data gives the same bytes, and the same bytes the same answers.

// Confidences and weights are floats; money never is, and none passes through here.
#![allow(clippy::float_arithmetic)]

pub mod features;
pub mod train;

use std::sync::OnceLock;

use features::{BUCKETS, Feature, NOT_A_WORD};
pub use train::Calibration;

use crate::categorize::CATEGORY_IDS;

/// The most classes a model may have: one per category id.
const MAX_CLASSES: usize = CATEGORY_IDS.len();

/// The model the build trained, as bytes.
pub static BUILTIN_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/model.bin"));

/// Why model bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("not a Spearmint model (its first bytes are wrong)")]
    Magic,
    #[error("the model ends early")]
    Truncated,
    #[error("the model names `{0}`, which is not a category id")]
    UnknownCategory(String),
}

/// A linear classifier over hashed features.
#[derive(Debug)]
pub struct Model {
    classes: Vec<&'static str>,
    scale: f32,
    calibration: Calibration,
    weights: &'static [u8],
}

/// What the model read in a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    pub category: &'static str,
    /// The calibrated probability that the category is right, 0 to 1.
    pub confidence: f32,
    /// The name's words that pushed hardest towards the category, strongest first.
    pub words: Vec<String>,
}

impl Guess {
    /// The confidence in whole percent, rounded down, as the app shows it.
    pub fn percent(&self) -> u32 {
        (self.confidence * 100.0).floor() as u32
    }
}

static BUILTIN: OnceLock<Model> = OnceLock::new();

impl Model {
    /// The model embedded at build time.
    pub fn builtin() -> &'static Model {
        BUILTIN.get_or_init(|| Model::from_bytes(BUILTIN_BYTES).expect("the build wrote a model it can read"))
    }

    /// Reads the layout [`train::train`] writes.
    pub fn from_bytes(bytes: &'static [u8]) -> Result<Model, ModelError> {
        let rest = bytes.strip_prefix(train::MAGIC.as_slice()).ok_or(ModelError::Magic)?;
        let (&k, mut rest) = rest.split_first().ok_or(ModelError::Truncated)?;
        if usize::from(k) > MAX_CLASSES || k < 2 {
            return Err(ModelError::Truncated);
        }
        let mut classes = Vec::with_capacity(usize::from(k));
        for _ in 0..k {
            let (&len, tail) = rest.split_first().ok_or(ModelError::Truncated)?;
            let (name, tail) = tail.split_at_checked(usize::from(len)).ok_or(ModelError::Truncated)?;
            let name = String::from_utf8_lossy(name);
            let id =
                CATEGORY_IDS.iter().find(|id| **id == name).ok_or_else(|| ModelError::UnknownCategory(name.into()))?;
            classes.push(*id);
            rest = tail;
        }
        let mut floats = [0.0f32; 5];
        for value in &mut floats {
            let (raw, tail) = rest.split_first_chunk::<4>().ok_or(ModelError::Truncated)?;
            *value = f32::from_le_bytes(*raw);
            rest = tail;
        }
        let (raw, weights) = rest.split_first_chunk::<4>().ok_or(ModelError::Truncated)?;
        if weights.len() != BUCKETS * usize::from(k) {
            return Err(ModelError::Truncated);
        }
        let [scale, temperature, threshold, coverage, precision] = floats;
        let calibration =
            Calibration { temperature, threshold, coverage, precision, held_out: u32::from_le_bytes(*raw) };
        Ok(Model { classes, scale, calibration, weights })
    }

    /// How the build calibrated it, on the names it held out of training.
    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    /// The category a normalized seller's name, an amount (minor units, negative is money out)
    /// and a merchant category code point to, when the model is sure enough.
    pub fn predict(&self, seller: &str, amount_minor: i64, mcc: Option<u16>) -> Option<Guess> {
        let words = features::words(seller);
        if words.is_empty() {
            return None;
        }
        let mut found = Vec::with_capacity(16 * words.len() + 3);
        features::features(&words, amount_minor, mcc, &mut found);
        let k = self.classes.len();
        // On the stack: this runs for most descriptors no dictionary knows.
        let (mut sums, mut p) = ([0i32; MAX_CLASSES], [0.0f32; MAX_CLASSES]);
        let (sums, p) = (&mut sums[..k], &mut p[..k]);
        features::sums(self.weights, k, &found, sums);
        features::probabilities(sums, found.len(), self.scale, self.calibration.temperature, p);
        let (mut top, mut second) = (0, usize::from(k > 1));
        if p[second] > p[top] {
            (top, second) = (second, top);
        }
        for c in 2..k {
            if p[c] > p[top] {
                (top, second) = (c, top);
            } else if p[c] > p[second] {
                second = c;
            }
        }
        let category = self.classes[top];
        if category == train::NOTHING || p[top] < self.calibration.threshold {
            return None;
        }
        Some(Guess { category, confidence: p[top], words: self.deciding_words(&words, &found, top, second) })
    }

    /// The words whose features most widen the winning class's lead over the runner-up.
    fn deciding_words(&self, words: &[String], found: &[Feature], top: usize, second: usize) -> Vec<String> {
        let k = self.classes.len();
        let mut lead = vec![0i32; words.len()];
        for f in found.iter().filter(|f| f.word != NOT_A_WORD) {
            let row = &self.weights[f.bucket as usize * k..][..k];
            lead[usize::from(f.word)] += i32::from(row[top] as i8) - i32::from(row[second] as i8);
        }
        let strongest = lead.iter().copied().max().unwrap_or(0);
        if strongest <= 0 {
            return Vec::new();
        }
        let mut chosen: Vec<usize> = (0..words.len()).filter(|i| lead[*i] * 2 >= strongest).collect();
        chosen.sort_by(|a, b| lead[*b].cmp(&lead[*a]).then(a.cmp(b)));
        chosen.truncate(2);
        chosen.into_iter().map(|i| words[i].clone()).collect()
    }
}
