//! The shipped model: trained by the build from the crate's own data, deterministic, small,
//! calibrated, and silent on names that say nothing.

use spearmint_core::model::train::{Sources, train};
use spearmint_core::model::{BUILTIN_BYTES, Model};
use spearmint_core::{AccountId, Categorizer, Currency, Dictionary, Input, Money, NoCrowd};
use uuid::Uuid;

fn sources() -> Sources<'static> {
    Sources {
        merchants: include_str!("../../data/merchants.tsv"),
        lexicon: include_str!("../../data/lexicon.tsv"),
        mcc: include_str!("../../data/mcc.tsv"),
    }
}

#[test]
fn training_again_gives_the_very_model_the_build_embedded() {
    let again = train(&sources());
    assert_eq!(again.len(), BUILTIN_BYTES.len());
    assert!(again == BUILTIN_BYTES, "a second training differs from the build's");
    assert!(train(&sources()) == again, "two trainings in one process differ");
}

#[test]
fn the_model_is_small_and_calibrated_on_names_it_never_saw() {
    assert!(BUILTIN_BYTES.len() < 4 << 20, "{} bytes", BUILTIN_BYTES.len());
    let c = Model::builtin().calibration();
    assert!(c.held_out > 1000, "{c:?}");
    assert!(c.precision >= 0.9, "{c:?}");
    assert!(c.threshold > 0.3 && c.threshold < 1.0, "{c:?}");
    assert!(c.coverage > 0.2, "{c:?}");
}

#[test]
fn the_model_reads_names_no_word_list_or_brand_holds() {
    let model = Model::builtin();
    // Compounds and words that are neither a lexicon phrase nor a brand: the model reads them
    // by their character n-grams.
    let lexicon = spearmint_core::Lexicon::builtin();
    for (seller, category, word) in [
        ("espressobar roma", "FOOD_COFFEE", "espressobar"),
        ("bookshoppe", "SHOPPING", "bookshoppe"),
        ("flowershop", "GIFTS", "flowershop"),
        ("smilecare dentistry", "HEALTH", "dentistry"),
        ("happy nails", "PERSONAL_CARE", "nails"),
    ] {
        if word != "dentistry" && word != "nails" {
            assert_eq!(lexicon.score(seller), None, "{seller} is in the lexicon: it tests nothing of the model");
            assert_eq!(Dictionary::builtin().lookup(seller), None, "{seller} is a brand");
        }
        let guess = model.predict(seller, -1234, None).unwrap_or_else(|| panic!("{seller}: no answer"));
        assert_eq!((guess.category, guess.words.first().map(String::as_str)), (category, Some(word)), "{seller}");
        assert!(guess.confidence >= model.calibration().threshold && guess.confidence <= 1.0, "{guess:?}");
    }
}

#[test]
fn the_model_says_nothing_of_names_that_say_nothing() {
    let model = Model::builtin();
    for seller in ["zorblax quenti", "johnson llc", "golden dragon", "bida manda", "", "1234 5678"] {
        assert_eq!(model.predict(seller, -1234, None), None, "{seller}");
    }
}

#[test]
fn a_decision_by_the_model_names_its_words_and_confidence() {
    let categorizer = Categorizer::new(&[], Dictionary::builtin(), &NoCrowd);
    let input = Input {
        descriptor: "SQ *THE FLOWERSHOP #12 RALEIGH NC",
        amount: Money::from_minor(-4_500, Currency::USD),
        account: AccountId::from_uuid(Uuid::from_u128(1)),
        mcc: None,
    };
    let d = categorizer.categorize(&input);
    assert_eq!((d.category.as_str(), d.source.as_str()), ("GIFTS", "model"), "{d:?}");
    let reason = d.reason.clone().unwrap_or_default();
    assert!(reason.starts_with("\"flowershop\" in the name") && reason.contains("% sure"), "{reason}");
    assert_eq!(d.words, ["flowershop"]);
    // Without the lexicon and channels (the dictionary alone) the model does not take part.
    let alone = Categorizer::new(&[], Dictionary::builtin(), &NoCrowd).dictionary_only().categorize(&input);
    assert_eq!((alone.category.as_str(), alone.source.as_str()), ("UNCATEGORIZED", "default"), "{alone:?}");
}
