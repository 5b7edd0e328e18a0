//! Words that mean a category: `coffee`, `pizzeria`, `barbering`, `apotheke`, `supermercado`.
//!
//! Most of what people buy is from shops no dictionary of brands knows: the coffee shop, bar,
//! barber and pizzeria down the street. Their names usually say what they are. The [`Lexicon`]
//! maps such words and short phrases, in the languages the importers read, to a category with
//! a weight (1 a weak hint, 2 strong, 3 unmistakable), and [`Lexicon::score`] adds up the
//! weights of the words a seller's name contains, so one weak word never beats a strong one.
//! It answers with the words that decided, so the app can say `"coffee" in the descriptor`.
//! Its data ships in `crates/core/data/lexicon.tsv` and is embedded in the binary.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::categorize::CATEGORY_IDS;

/// Why the lexicon's data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconError {
    #[error("line {line}: expected `phrase<TAB>CATEGORY<TAB>weight[<TAB>suffix]`")]
    Syntax { line: usize },
    #[error("line {line}: `{category}` is not a category id")]
    UnknownCategory { line: usize, category: String },
    #[error("line {line}: the weight is 1, 2 or 3")]
    Weight { line: usize },
    #[error("line {line}: `{phrase}` is not one to three lowercase words of letters and digits")]
    Phrase { line: usize, phrase: String },
}

/// One meaning of a phrase: a category (an index into [`CATEGORY_IDS`]) and its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sense {
    category: u8,
    weight: u8,
}

/// Category-indicative words and phrases with weights.
#[derive(Debug, Default)]
pub struct Lexicon {
    phrases: HashMap<Box<str>, Vec<Sense>>,
    /// Compound heads that also match at the end of a longer word (`bäckerei` in
    /// `stadtbäckerei`), longest first.
    suffixes: Vec<(Box<str>, Sense)>,
    /// The one-word phrases in byte order, to complete a name's last word that the bank's
    /// field width cut short (`kitche`).
    sorted: Vec<(Box<str>, Sense)>,
}

/// The fewest letters a cut-short last word must keep to be completed.
const MIN_CUT: usize = 6;

/// The letters an unmistakable word must have to be looked for inside a glued word.
const MIN_GLUED: usize = 4;

/// The longest word looked for inside a glued one, in letters.
const MAX_GLUED: usize = 14;

/// What the lexicon found in a seller's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub category: &'static str,
    /// The summed weight of the winning category's words.
    pub score: u32,
    /// The words (or phrases) that gave the winning category its score, in the name's order.
    pub words: Vec<String>,
}

static BUILTIN: OnceLock<Lexicon> = OnceLock::new();

/// The longest phrase the data may hold, in words.
const MAX_WORDS: usize = 3;

impl Lexicon {
    /// The lexicon shipped in `crates/core/data/lexicon.tsv`, parsed on first use.
    pub fn builtin() -> &'static Lexicon {
        BUILTIN.get_or_init(|| {
            Lexicon::parse(include_str!("../data/lexicon.tsv"))
                .expect("the embedded lexicon parses (checked by a test)")
        })
    }

    /// Reads `phrase<TAB>CATEGORY<TAB>weight[<TAB>suffix]` lines; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<Lexicon, LexiconError> {
        let mut lexicon = Lexicon::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            let number = i + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let columns: Vec<&str> = line.split('\t').collect();
            if !(3..=4).contains(&columns.len()) || columns.get(3).is_some_and(|flag| *flag != "suffix") {
                return Err(LexiconError::Syntax { line: number });
            }
            let phrase = columns[0];
            let words: Vec<&str> = phrase.split(' ').collect();
            let well_formed = !phrase.is_empty()
                && words.len() <= MAX_WORDS
                && words.iter().all(|w| !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase()));
            if !well_formed {
                return Err(LexiconError::Phrase { line: number, phrase: phrase.to_owned() });
            }
            let category = CATEGORY_IDS
                .iter()
                .position(|id| *id == columns[1] && *id != crate::categorize::UNCATEGORIZED)
                .and_then(|i| u8::try_from(i).ok())
                .ok_or_else(|| LexiconError::UnknownCategory { line: number, category: columns[1].to_owned() })?;
            let weight = match columns[2] {
                "1" => 1,
                "2" => 2,
                "3" => 3,
                _ => return Err(LexiconError::Weight { line: number }),
            };
            let sense = Sense { category, weight };
            let senses = lexicon.phrases.entry(phrase.into()).or_default();
            if !senses.iter().any(|s| s.category == category) {
                senses.push(sense);
            }
            if columns.len() == 4 && words.len() == 1 {
                lexicon.suffixes.push((phrase.into(), sense));
            }
        }
        lexicon.suffixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        for (phrase, senses) in &lexicon.phrases {
            if phrase.contains(' ') {
                continue;
            }
            for sense in senses {
                lexicon.sorted.push((phrase.clone(), *sense));
            }
        }
        lexicon.sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.category.cmp(&b.1.category)));
        lexicon.phrases.shrink_to_fit();
        Ok(lexicon)
    }

    /// How many phrases it knows.
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// The category a normalized seller's words point to, if any word of the lexicon is in it.
    ///
    /// Each phrase of one to three words found in the name (longest first, so `natural gas`
    /// is not also read as `gas`) adds its weight to its category; the category with the
    /// highest sum wins. On a tie the phrase found later in the name wins: in `BOOKS AND
    /// COFFEE` the name's head is its last word.
    pub fn score(&self, seller: &str) -> Option<Verdict> {
        let words: Vec<&str> = seller.split(' ').filter(|w| !w.is_empty()).collect();
        // (category, summed weight, last position, the words that gave it)
        let mut tally: Vec<(u8, u32, usize, Vec<String>)> = Vec::new();
        let mut add =
            |sense: Sense, position: usize, phrase: &str| match tally.iter_mut().find(|t| t.0 == sense.category) {
                Some(t) => {
                    t.1 += u32::from(sense.weight);
                    t.2 = position;
                    if !t.3.iter().any(|w| w == phrase) {
                        t.3.push(phrase.to_owned());
                    }
                }
                None => tally.push((sense.category, u32::from(sense.weight), position, vec![phrase.to_owned()])),
            };
        let mut phrase = String::new();
        let mut at = 0;
        while at < words.len() {
            let mut matched = 0;
            for n in (1..=MAX_WORDS.min(words.len() - at)).rev() {
                phrase.clear();
                for (k, w) in words[at..at + n].iter().enumerate() {
                    if k > 0 {
                        phrase.push(' ');
                    }
                    phrase.push_str(w);
                }
                if let Some(senses) = self.phrases.get(phrase.as_str()) {
                    for sense in senses {
                        add(*sense, at, &phrase);
                    }
                    matched = n;
                    break;
                }
            }
            if matched == 0 {
                let word = words[at];
                if let Some((head, sense)) = self.suffixes.iter().find(|(head, _)| {
                    word.len() > head.len()
                        && word.ends_with(&**head)
                        && word.chars().count() >= head.chars().count() + 3
                }) {
                    add(*sense, at, head);
                } else if at + 1 == words.len()
                    && let Some(sense) = self.completed(word)
                {
                    add(sense, at, word);
                } else if let Some((inner, sense)) = self.glued(word) {
                    add(sense, at, inner);
                }
                matched = 1;
            }
            at += matched;
        }
        let best = tally.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)))?;
        Some(Verdict { category: CATEGORY_IDS[usize::from(best.0)], score: best.1, words: best.3 })
    }

    /// A last word the bank cut short (`kitche`, `restaura`): when every word of the lexicon it
    /// begins means one category, that category, at most strong (the cut may hide another word).
    fn completed(&self, word: &str) -> Option<Sense> {
        if word.chars().count() < MIN_CUT || !word.chars().all(char::is_alphabetic) {
            return None;
        }
        let from = self.sorted.partition_point(|(w, _)| &**w <= word);
        let mut found: Option<Sense> = None;
        for (_, sense) in self.sorted[from..].iter().take_while(|(w, _)| w.starts_with(word)) {
            match found {
                Some(f) if f.category != sense.category => return None,
                Some(f) => found = Some(Sense { category: f.category, weight: f.weight.min(sense.weight) }),
                None => found = Some(*sense),
            }
        }
        found.map(|f| Sense { category: f.category, weight: f.weight.min(2) })
    }

    /// An unmistakable word (one meaning, weight 3, four letters or more) inside a word the
    /// bank glued to others or to a number (`nyctaxi5c17`, `cityparkinggarage`), the longest
    /// first; strong, not unmistakable.
    fn glued(&self, word: &str) -> Option<(&str, Sense)> {
        // Most words are short: they are turned away before anything is counted or allocated.
        if word.len() < 8 {
            return None;
        }
        let count = word.chars().count();
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let digits = word.chars().any(|c| c.is_ascii_digit());
        if count < 8 || letters < MIN_GLUED || !(digits || count >= 12) {
            return None;
        }
        let starts: Vec<usize> = word.char_indices().map(|(at, _)| at).chain([word.len()]).collect();
        for len in (MIN_GLUED..count.min(MAX_GLUED + 1)).rev() {
            for start in 0..=count - len {
                let inner = &word[starts[start]..starts[start + len]];
                if let Some((key, senses)) = self.phrases.get_key_value(inner)
                    && let [sense] = senses.as_slice()
                    && sense.weight == 3
                {
                    return Some((&**key, Sense { category: sense.category, weight: 2 }));
                }
            }
        }
        None
    }
}
