//! Seller normalization and the seller dictionary, checked on real descriptors.

use expect_test::expect_file;
use spearmint_core::seller::{Dictionary, display_name, normalize};

/// The descriptors of a data file: `source<TAB>descriptor` or a bare descriptor per line.
fn descriptors(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.rsplit('\t').next().unwrap_or(l))
        .collect()
}

fn render(lines: &[&str]) -> String {
    lines.iter().map(|d| format!("{d} => {}\n", normalize(d))).collect()
}

#[test]
fn normalizes_hand_written_descriptors() {
    let actual = render(&descriptors(include_str!("../data/descriptors.txt")));
    expect_file!["../data/descriptors.normalized"].assert_eq(&actual);
}

#[test]
fn normalizes_every_payee_in_the_shared_fixtures() {
    let actual = render(&descriptors(include_str!("../data/fixture_descriptors.txt")));
    expect_file!["../data/fixture_descriptors.normalized"].assert_eq(&actual);
}

#[test]
fn normalizes_the_sandbox_descriptors() {
    let actual = render(&descriptors(include_str!("../data/sandbox_descriptors.txt")));
    expect_file!["../data/sandbox_descriptors.normalized"].assert_eq(&actual);
}

#[test]
fn normalizing_is_idempotent_on_real_descriptors() {
    let text = [
        include_str!("../data/descriptors.txt"),
        include_str!("../data/fixture_descriptors.txt"),
        include_str!("../data/sandbox_descriptors.txt"),
    ]
    .concat();
    let unstable: Vec<String> = descriptors(&text)
        .into_iter()
        .map(normalize)
        .filter(|n| normalize(n) != *n)
        .map(|n| format!("{n} -> {}", normalize(&n)))
        .collect();
    assert!(unstable.is_empty(), "normalize is not idempotent on:\n{}", unstable.join("\n"));
}

#[test]
fn every_dictionary_key_is_its_own_normalization() {
    let data = include_str!("../../data/merchants.tsv");
    let mut wrong = Vec::new();
    for line in data.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let mut columns = line.split('\t');
        let key = columns.next().unwrap_or("");
        let _category = columns.next();
        let alternatives = columns.next().unwrap_or("");
        for key in std::iter::once(key).chain(alternatives.split(',').filter(|a| !a.is_empty())) {
            if normalize(key) != key {
                wrong.push(format!("{key}\t{}", normalize(key)));
            }
        }
    }
    assert!(wrong.is_empty(), "{} keys are not normalized:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn the_builtin_dictionary_loads_and_knows_common_sellers() {
    let dictionary = Dictionary::builtin();
    assert!(dictionary.brands() >= 2000, "{} brands", dictionary.brands());
    assert!(dictionary.len() >= dictionary.brands());
    // Every code of ../shared/data/mcc/mcc_codes.csv (981 of them).
    assert_eq!(dictionary.mcc_len(), 981);
    let cases = [
        ("starbucks", Some("FOOD_COFFEE")),
        ("shell oil 57442", Some("GAS")),
        ("shell oil", Some("GAS")),
        ("trader joes", Some("FOOD_GROCERIES")),
        ("amazon", Some("SHOPPING")),
        ("uber eats", Some("FOOD_RESTAURANTS")),
        ("uber trip", Some("AUTO_RIDESHARE")),
        ("no such seller anywhere", None),
        ("", None),
    ];
    for (seller, category) in cases {
        assert_eq!(dictionary.lookup(seller), category, "{seller}");
    }
    assert_eq!(dictionary.for_mcc(5411), Some("FOOD_GROCERIES"));
    assert_eq!(dictionary.for_mcc(3000), Some("TRAVEL_AIR"));
    assert_eq!(dictionary.for_mcc(9999), None);
}

#[test]
fn fifty_thousand_sellers_fit_the_twelve_megabyte_budget() {
    // Synthetic sellers shaped like real ones: two or three words, about 20 bytes, each with one
    // alternative key, built through the same parser as the builtin data.
    let words = ["coffee", "market", "grill", "pizza", "express", "station", "store", "house", "garden", "supply"];
    let mut data = String::new();
    for i in 0..50_000usize {
        let a = words[i % words.len()];
        let b = words[(i / words.len()) % words.len()];
        data.push_str(&format!("seller{i} {a} {b}\tFOOD_RESTAURANTS\tseller{i} {a}\n"));
    }
    let mcc = include_str!("../../data/mcc.tsv");
    let dictionary = Dictionary::parse(&data, mcc).expect("synthetic data parses");
    assert_eq!(dictionary.brands(), 50_000);
    assert_eq!(dictionary.len(), 100_000);
    let bytes = dictionary.heap_bytes();
    assert!(bytes < 12 * 1024 * 1024, "{bytes} bytes");
    assert_eq!(dictionary.lookup("seller77 house house 0423"), Some("FOOD_RESTAURANTS"));
}

#[test]
fn bad_dictionary_data_is_refused_with_its_line() {
    let unknown = Dictionary::parse("# comment\nfoo\tNOT_A_CATEGORY\n", "").unwrap_err();
    assert_eq!(unknown.to_string(), "line 2: `NOT_A_CATEGORY` is not a category id");
    let syntax = Dictionary::parse("foo\n", "").unwrap_err();
    assert_eq!(syntax.to_string(), "line 1: expected `seller<TAB>CATEGORY[<TAB>alternative, ...]`");
    let mcc = Dictionary::parse("", "12345\tFOOD\n").unwrap_err();
    assert_eq!(mcc.to_string(), "line 1: `12345` is not a merchant category code (four digits)");
}

mod never_empty {
    use proptest::prelude::*;
    use spearmint_core::seller::normalize;

    /// The words a processor or a bank puts before or around a name.
    fn noise() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "POS PURCHASE",
            "POS DEBIT",
            "DEBIT CARD PURCHASE",
            "CHECKCARD 1202",
            "PURCHASE AUTHORIZED ON 12/02",
            "ACH DEBIT",
            "RECURRING PAYMENT",
            "SQ *",
            "TST* ",
            "PAYPAL *",
            "ZELLE PAYMENT TO",
            "ZELLE TO",
            "VENMO *",
            "CASH APP*",
            "BILL PAY",
            "OUTGOING WIRE TRANSFER",
            "DD *",
            "",
            "#",
            "*",
        ])
    }

    prop_compose! {
        /// `<noise> <sep> <NAME> <#store> <CITY> <ST>`, as real statements write them.
        fn descriptor()(
            noise in noise(),
            sep in prop::sample::select(vec![" - ", " ", " * ", "  -  "]),
            name in "[A-Z][A-Za-z&']{1,12}( [A-Z][a-z]{1,10}){0,2}",
            store in prop::option::of(0u32..100_000),
            city in prop::option::of("[A-Z]{3,10}( [A-Z]{3,8})?"),
            state in prop::option::of(prop::sample::select(vec!["NC", "CA", "NY", "TX"])),
            card in prop::option::of((0usize..6, prop::sample::select(vec!["XXXX1234", "x4821", "****5521", "1234"]))),
        ) -> String {
            let mut parts = vec![noise.to_owned(), sep.to_owned(), name];
            if let Some(n) = store { parts.push(format!(" #{n}")); }
            if let Some(c) = city { parts.push(format!(" {c}")); }
            if let Some(s) = state { parts.push(format!(" {s}")); }
            // Card digits in every position, as banks put them.
            if let Some((at, digits)) = card { parts.insert(at.min(parts.len()), format!(" {digits} ")); }
            parts.concat()
        }
    }

    proptest! {
        #[test]
        fn a_descriptor_with_a_word_never_normalizes_to_nothing(d in descriptor()) {
            let seller = normalize(&d);
            prop_assert!(!seller.is_empty(), "{d:?} normalized to nothing");
        }

        #[test]
        fn any_text_with_a_letter_keeps_something(d in "[ -~]{0,40}") {
            let seller = normalize(&d);
            // A letter that is not the X of a masked number.
            if d.chars().any(|c| c.is_ascii_alphabetic() && !c.eq_ignore_ascii_case(&'x')) {
                prop_assert!(!seller.is_empty(), "{d:?} normalized to nothing");
            }
        }
    }

    #[test]
    fn a_processor_prefix_before_a_dash_leaves_the_store() {
        assert_eq!(normalize("POS PURCHASE - BLACKBIRD BOOKS #123 RALEIGH NC"), "blackbird books");
        let store = "ARROW BARBERING CO. 0042 DURHAM NC";
        assert_eq!(normalize(&format!("POS DEBIT - {store}")), normalize(store));
        assert!(normalize(store).starts_with("arrow barbering"), "{}", normalize(store));
    }
}

#[test]
fn a_list_shows_the_seller_by_name_not_the_banks_codes() {
    assert_eq!(display_name("CHECKCARD 1202 SAFEWAY #1205 OAKLAND CA"), "Safeway");
    assert_eq!(display_name("SQ *BLUE BOTTLE COFFEE OAKLAND CA"), "Blue Bottle Coffee");
    assert_eq!(display_name("ZELLE PAYMENT TO BAYVIEW HOMES LLC"), "Bayview Homes");
    assert_eq!(display_name("ÉPICERIE DU MARCHÉ"), "Épicerie Du Marché");
    // Nothing a person could read is thrown away: a descriptor with no letter stays as it is.
    assert_eq!(display_name(" 123456 "), "123456");
}
