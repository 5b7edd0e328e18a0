//! Training the shipped model from data the project ships: the seller dictionary's brands, the
//! lexicon's words in generated shop names, and the merchant category codes' descriptions.
//!
//! Run by `build.rs` on every build that changes the data (and by a test, which checks that a
//! second training gives the very bytes the build embedded). Standard library only, one
//! thread, a fixed seed and a fixed order: the same data always gives the same model.
//!
//! The model is multinomial logistic regression over hashed features
//! ([`super::features`]), trained by stochastic gradient descent, then quantized to one signed
//! byte per weight. One brand or word in eight, with every name generated from it, is held out
//! of training; on those the confidence is calibrated (a temperature) and the threshold chosen
//! below which the model abstains, so that at least 90% of what it answers on names it never
//! saw is right.

// Weights and confidences are floats; money never is, and none passes through here.
#![allow(clippy::float_arithmetic)]

use super::features::{self, BUCKETS, Feature};

/// What to learn from: the text of `merchants.tsv`, `lexicon.tsv` and `mcc.tsv`.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub merchants: &'a str,
    pub lexicon: &'a str,
    pub mcc: &'a str,
}

/// The class for "nothing in this name says what it is": names made of no known word.
pub const NOTHING: &str = "UNCATEGORIZED";

/// The share of held-out answers that must be right at the chosen threshold.
const PRECISION: f32 = 0.90;
const EPOCHS: usize = 6;
const SEED: u64 = 0x5eed_5ea5_0000_0015;

/// The serialized model's first bytes; the layout is read back by [`super::Model::from_bytes`].
pub const MAGIC: &[u8; 4] = b"SPM1";

/// An example before its features: words, amount, code, class, held out.
type Raw = (Vec<String>, i64, Option<u16>, u8, bool);

/// One training example.
struct Example {
    features: Vec<u32>,
    class: u8,
    held_out: bool,
}

/// splitmix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Words that name a shop without saying what it sells (surnames, places, fancy words), to
/// surround the words that do. Written for Spearmint.
const NAMES: &[&str] = &[
    "arrow",
    "blackbird",
    "oak",
    "maple",
    "river",
    "golden",
    "royal",
    "sunset",
    "smith",
    "johnson",
    "garcia",
    "miller",
    "davis",
    "lopez",
    "walter",
    "bida",
    "manda",
    "times",
    "harbor",
    "union",
    "liberty",
    "summit",
    "cedar",
    "pine",
    "willow",
    "eagle",
    "lion",
    "crown",
    "star",
    "blue",
    "red",
    "green",
    "silver",
    "north",
    "south",
    "east",
    "west",
    "main",
    "park",
    "village",
    "corner",
    "little",
    "big",
    "old",
    "new",
    "happy",
    "lucky",
    "family",
    "brothers",
    "sisters",
    "casa",
    "el",
    "la",
    "le",
    "de",
    "van",
    "der",
    "das",
    "chez",
    "dos",
    "mama",
    "papa",
    "tio",
    "rosa",
    "maria",
    "jose",
    "marco",
    "luigi",
    "nguyen",
    "kim",
    "chen",
    "patel",
    "singh",
    "yamamoto",
    "muller",
    "schmidt",
    "dubois",
    "martin",
    "rossi",
    "silva",
    "santos",
    "jansen",
    "de vries",
    "bakker",
    "bear",
    "fox",
    "wolf",
    "owl",
    "rabbit",
    "tiger",
    "dragon",
    "phoenix",
    "hill",
    "valley",
    "lake",
    "bay",
    "bridge",
    "mill",
    "station",
    "square",
    "plaza",
    "avenue",
    "first",
    "second",
    "third",
    "one",
    "two",
    "ten",
    "grand",
    "central",
    "city",
    "town",
    "co",
    "company",
    "llc",
    "inc",
    "the",
    "and",
    "of",
    "by",
    "at",
    "on",
];

/// Places a descriptor often ends with. Written for Spearmint.
const TOWNS: &[&str] = &[
    "raleigh",
    "durham",
    "charlotte",
    "austin",
    "dallas",
    "houston",
    "denver",
    "boston",
    "chicago",
    "seattle",
    "portland",
    "atlanta",
    "miami",
    "orlando",
    "tampa",
    "phoenix",
    "tucson",
    "san diego",
    "san jose",
    "oakland",
    "brooklyn",
    "new york",
    "queens",
    "newark",
    "philadelphia",
    "pittsburgh",
    "columbus",
    "cleveland",
    "detroit",
    "madison",
    "minneapolis",
    "st louis",
    "kansas city",
    "omaha",
    "nashville",
    "memphis",
    "louisville",
    "richmond",
    "arlington",
    "baltimore",
    "providence",
    "hartford",
    "albany",
    "buffalo",
    "rochester",
    "salt lake",
    "boise",
    "reno",
    "las vegas",
    "albuquerque",
    "el paso",
    "san antonio",
    "fort worth",
    "tulsa",
    "wichita",
    "des moines",
    "milwaukee",
    "indianapolis",
    "cincinnati",
    "london",
    "paris",
    "berlin",
    "madrid",
    "lisboa",
    "amsterdam",
    "toronto",
    "montreal",
];

/// Generated syllables for names no list holds.
const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch", "st", "tr",
    "sh", "gr",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou", "ee", "ia"];
const CODAS: &[&str] = &["", "", "n", "r", "s", "l", "t", "m", "x"];

fn invented(rng: &mut Rng) -> String {
    let mut word = String::new();
    for _ in 0..1 + rng.below(3) {
        word.push_str(rng.pick(ONSETS));
        word.push_str(rng.pick(VOWELS));
        word.push_str(rng.pick(CODAS));
    }
    word
}

fn name(rng: &mut Rng) -> String {
    if rng.below(3) == 0 { invented(rng) } else { rng.pick(NAMES).to_owned() }
}

/// A random amount in minor units, of the sign a category's money usually has.
fn amount(rng: &mut Rng, class: &str) -> i64 {
    let magnitude = (100 + (rng.next() % 500_000) as i64) >> rng.below(10);
    if class.starts_with("INCOME") { magnitude } else { -magnitude }
}

/// The training run's outcome on what it held out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Divides the logits so the confidence matches how often answers are right.
    pub temperature: f32,
    /// Below this confidence the model abstains.
    pub threshold: f32,
    /// Of the held-out names with a category, the share answered, and the share of answers
    /// that were right.
    pub coverage: f32,
    pub precision: f32,
    pub held_out: u32,
}

/// Trains the model and returns its serialized bytes.
///
/// # Panics
/// On data that does not parse; the library's own parsers reject such data first, with a
/// line number, and a test parses the shipped files.
pub fn train(sources: &Sources<'_>) -> Vec<u8> {
    let mut rng = Rng(SEED);
    // (text words, amount, mcc, class, group) before features; classes named, in first-seen order.
    let mut classes: Vec<String> = vec![NOTHING.to_owned()];
    let class_of = |name: &str, classes: &mut Vec<String>| -> u8 {
        match classes.iter().position(|c| c == name) {
            Some(i) => i as u8,
            None => {
                classes.push(name.to_owned());
                (classes.len() - 1) as u8
            }
        }
    };
    let mut raw: Vec<Raw> = Vec::new();
    let mut group = 0usize;
    let push = |raw: &mut Vec<_>, text: &str, amount: i64, mcc: Option<u16>, class: u8, group: usize| {
        let words = features::words(text);
        if !words.is_empty() || mcc.is_some() {
            raw.push((words, amount, mcc, class, group % 8 == 7));
        }
    };

    for line in data_lines(sources.merchants) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (key, category) = (columns[0], columns[1]);
        let class = class_of(category, &mut classes);
        group += 1;
        push(&mut raw, key, amount(&mut rng, category), None, class, group);
        let town = rng.pick(TOWNS);
        push(&mut raw, &format!("{key} {town}"), amount(&mut rng, category), None, class, group);
        for alternative in columns.get(2).into_iter().flat_map(|alts| alts.split(',')) {
            push(&mut raw, alternative, amount(&mut rng, category), None, class, group);
        }
    }
    for line in data_lines(sources.lexicon) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (phrase, category) = (columns[0], columns[1]);
        let weight: usize = columns[2].parse().expect("a lexicon weight is a number");
        let suffix = columns.get(3) == Some(&"suffix");
        let class = class_of(category, &mut classes);
        group += 1;
        for variant in 0..2 + 2 * weight {
            let text = match (variant % 6, suffix) {
                (0, _) => phrase.to_owned(),
                (1, true) => format!("{}{phrase}", invented(&mut rng)),
                (1, false) => format!("{} {phrase}", name(&mut rng)),
                (2, _) => format!("{phrase} {}", name(&mut rng)),
                (3, _) => format!("{} {} {phrase}", name(&mut rng), name(&mut rng)),
                (4, _) => format!("{} {phrase} {}", name(&mut rng), rng.pick(TOWNS)),
                _ => format!("{} {phrase} {}", name(&mut rng), name(&mut rng)),
            };
            push(&mut raw, &text, amount(&mut rng, category), None, class, group);
        }
    }
    for line in data_lines(sources.mcc) {
        let columns: Vec<&str> = line.split('\t').collect();
        let code: u16 = columns[0].parse().expect("a merchant category code is a number");
        let category = columns[1];
        let description = columns.get(2).copied().unwrap_or("");
        let class = class_of(category, &mut classes);
        // Codes are exact: never held out.
        push(&mut raw, description, amount(&mut rng, category), Some(code), class, 0);
        push(&mut raw, description, amount(&mut rng, category), None, class, 0);
        let shop = format!("{} {}", name(&mut rng), rng.pick(TOWNS));
        push(&mut raw, &shop, amount(&mut rng, category), Some(code), class, 0);
    }
    // Names with no word that means anything: the model learns to say nothing about them.
    for _ in 0..4000 {
        group += 1;
        let text = match rng.below(4) {
            0 => name(&mut rng),
            1 => format!("{} {}", name(&mut rng), name(&mut rng)),
            2 => format!("{} {}", name(&mut rng), rng.pick(TOWNS)),
            _ => format!("{} {} {}", invented(&mut rng), name(&mut rng), rng.pick(TOWNS)),
        };
        let sign = if rng.below(5) == 0 { 1 } else { -1 };
        push(&mut raw, &text, sign * amount(&mut rng, "SPENDING"), None, 0, group);
    }

    let mut scratch = Vec::new();
    let examples: Vec<Example> = raw
        .into_iter()
        .map(|(words, amount, mcc, class, held_out)| {
            scratch.clear();
            features::features(&words, amount, mcc, &mut scratch);
            Example { features: scratch.iter().map(|f: &Feature| f.bucket).collect(), class, held_out }
        })
        .collect();

    let k = classes.len();
    let weights = descend(&examples, k, &mut rng);
    let scale = weights.iter().fold(0.0f32, |m, w| m.max(w.abs())) / 127.0;
    let quantized: Vec<u8> = weights.iter().map(|w| ((w / scale).round().clamp(-127.0, 127.0) as i8) as u8).collect();
    let calibration = calibrate(&examples, &quantized, k, scale);

    let mut out = Vec::with_capacity(64 + quantized.len());
    out.extend_from_slice(MAGIC);
    out.push(k as u8);
    for class in &classes {
        out.push(class.len() as u8);
        out.extend_from_slice(class.as_bytes());
    }
    for value in [scale, calibration.temperature, calibration.threshold, calibration.coverage, calibration.precision] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&calibration.held_out.to_le_bytes());
    out.extend_from_slice(&quantized);
    out
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

/// Stochastic gradient descent on the softmax loss, over the examples not held out.
fn descend(examples: &[Example], k: usize, rng: &mut Rng) -> Vec<f32> {
    let mut weights = vec![0.0f32; BUCKETS * k];
    let mut order: Vec<usize> = (0..examples.len()).filter(|i| !examples[*i].held_out).collect();
    let mut p = vec![0.0f32; k];
    for epoch in 0..EPOCHS {
        // Fisher-Yates with the fixed generator.
        for i in (1..order.len()).rev() {
            let j = rng.below(i + 1);
            order.swap(i, j);
        }
        let rate = 0.6 / (1.0 + epoch as f32);
        for &i in &order {
            let example = &examples[i];
            let value = 1.0 / (example.features.len() as f32).sqrt();
            p.iter_mut().for_each(|x| *x = 0.0);
            for b in &example.features {
                let row = &weights[*b as usize * k..][..k];
                for (x, w) in p.iter_mut().zip(row) {
                    *x += w * value;
                }
            }
            let top = p.iter().copied().fold(f32::MIN, f32::max);
            let mut total = 0.0;
            for x in p.iter_mut() {
                *x = (*x - top).exp();
                total += *x;
            }
            for (c, x) in p.iter_mut().enumerate() {
                *x /= total;
                if c == usize::from(example.class) {
                    *x -= 1.0;
                }
                *x *= rate * value;
            }
            for b in &example.features {
                let row = &mut weights[*b as usize * k..][..k];
                for (w, g) in row.iter_mut().zip(&p) {
                    *w -= g;
                }
            }
        }
    }
    weights
}

/// Chooses the temperature that best predicts the held-out classes, then the lowest threshold
/// at which the held-out answers are right often enough.
fn calibrate(examples: &[Example], weights: &[u8], k: usize, scale: f32) -> Calibration {
    let held: Vec<&Example> = examples.iter().filter(|e| e.held_out).collect();
    let mut sums = vec![0i32; k];
    let mut p = vec![0.0f32; k];
    let all_sums: Vec<(Vec<i32>, usize, u8)> = held
        .iter()
        .map(|e| {
            let features: Vec<Feature> = e.features.iter().map(|b| Feature { bucket: *b, word: 0 }).collect();
            features::sums(weights, k, &features, &mut sums);
            (sums.clone(), features.len(), e.class)
        })
        .collect();
    let mut best = (f32::MAX, 1.0f32);
    for step in 2..=40 {
        let temperature = step as f32 * 0.125;
        let mut loss = 0.0f32;
        for (s, n, class) in &all_sums {
            features::probabilities(s, *n, scale, temperature, &mut p);
            loss -= p[usize::from(*class)].max(1e-9).ln();
        }
        if loss < best.0 {
            best = (loss, temperature);
        }
    }
    let temperature = best.1;
    // (confidence of the top class, answered something, right)
    let answers: Vec<(f32, bool, bool, bool)> = all_sums
        .iter()
        .map(|(s, n, class)| {
            features::probabilities(s, *n, scale, temperature, &mut p);
            let (top, confidence) =
                p.iter().copied().enumerate().fold((0, 0.0f32), |b, (c, x)| if x > b.1 { (c, x) } else { b });
            (confidence, top != 0, top == usize::from(*class), *class != 0)
        })
        .collect();
    let mut chosen =
        Calibration { temperature, threshold: 0.99, coverage: 0.0, precision: 1.0, held_out: held.len() as u32 };
    let labelled = answers.iter().filter(|a| a.3).count().max(1) as f32;
    for step in (6..=19).rev() {
        let threshold = step as f32 * 0.05;
        let answered: Vec<_> = answers.iter().filter(|a| a.1 && a.0 >= threshold).collect();
        if answered.is_empty() {
            continue;
        }
        let precision = answered.iter().filter(|a| a.2).count() as f32 / answered.len() as f32;
        if precision < PRECISION {
            break;
        }
        let coverage = answered.iter().filter(|a| a.3).count() as f32 / labelled;
        chosen = Calibration { temperature, threshold, coverage, precision, held_out: held.len() as u32 };
    }
    chosen
}
