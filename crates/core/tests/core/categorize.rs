//! Categorization: the order of the sources, rules, and the sandbox bank's descriptors.

use std::collections::HashMap;

use expect_test::{Expect, expect};
use proptest::prelude::*;
use spearmint_core::categorize::UNCATEGORIZED;
use spearmint_core::{
    AccountId, CATEGORY_IDS, Categorizer, CategoryId, CategorySource, Condition, CrowdVotes, Currency, Dictionary,
    Input, Money, NoCrowd, Rule, RuleActions, RuleError, RuleOrigin,
};
use uuid::Uuid;

const CHECKING: AccountId = AccountId::from_uuid(Uuid::from_u128(1));
const BUSINESS_CARD: AccountId = AccountId::from_uuid(Uuid::from_u128(2));

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

/// A rule's id from the name a test gives it, so the expected output can name the rule.
fn rule_id(name: &str) -> spearmint_core::RuleId {
    spearmint_core::RuleId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes()))
}

/// The name a test gave the rule with this id.
fn rule_name(id: spearmint_core::RuleId) -> &'static str {
    const NAMES: [&str; 9] = [
        "u-disabled",
        "l-starbucks",
        "l-shell",
        "u-coffee",
        "u-rename",
        "u-small-amazon",
        "u-business",
        "u-shell-card",
        "r",
    ];
    NAMES.into_iter().find(|n| rule_id(n) == id).unwrap_or("an unnamed rule")
}

fn rule(
    id: &str,
    origin: RuleOrigin,
    conditions: Vec<Condition>,
    category: Option<&str>,
    rename: Option<&str>,
) -> Rule {
    Rule {
        id: rule_id(id),
        origin,
        conditions,
        actions: RuleActions { category: category.map(CategoryId::from), rename: rename.map(str::to_owned) },
        enabled: true,
    }
}

fn rules() -> Vec<Rule> {
    use Condition::*;
    use RuleOrigin::*;
    let mut disabled = rule("u-disabled", User, vec![PayeeContains("chipotle".into())], Some("GIFTS"), None);
    disabled.enabled = false;
    vec![
        // Learned rules come after user rules whatever their position in the list.
        rule("l-starbucks", Learned, vec![PayeeIs("Starbucks".into())], Some("FOOD_RESTAURANTS"), None),
        rule("l-shell", Learned, vec![PayeeIs("shell oil".into())], Some("AUTO"), None),
        rule("u-coffee", User, vec![PayeeContains("BLUE BOTTLE".into())], Some("FOOD_RESTAURANTS"), None),
        rule("u-rename", User, vec![PayeeMatches(r"^trader joe".into())], None, Some("Trader Joe's")),
        rule(
            "u-small-amazon",
            User,
            vec![PayeeMatches(r"amzn|amazon".into()), AmountBetween { min: Some(usd(-2000)), max: Some(usd(0)) }],
            Some("SHOPPING_ELECTRONICS"),
            Some("Amazon (small)"),
        ),
        rule("u-business", User, vec![Account(BUSINESS_CARD)], Some("BUSINESS"), None),
        rule(
            "u-shell-card",
            User,
            vec![PayeeIs("SHELL OIL 57442".into()), Account(BUSINESS_CARD)],
            Some("TAXES"),
            None,
        ),
        disabled,
    ]
}

struct Crowd(HashMap<&'static str, &'static str>);

impl CrowdVotes for Crowd {
    fn top_vote(&self, normalized_seller: &str) -> Option<String> {
        self.0.get(normalized_seller).map(|c| (*c).to_owned())
    }
}

fn check(cases: &[(&str, i64, AccountId, Option<u16>)], expect: Expect) {
    let rules = rules();
    let crowd =
        Crowd(HashMap::from([("zzq gallery", "ENTERTAINMENT"), ("starbucks", "GIFTS"), ("odd", "NOT_A_CATEGORY")]));
    let categorizer = Categorizer::new(&rules, Dictionary::builtin(), &crowd);
    let mut actual = String::new();
    for (descriptor, minor, account, mcc) in cases {
        let input = Input { descriptor, amount: usd(*minor), account: *account, mcc: *mcc };
        let d = categorizer.categorize(&input);
        let account = if *account == CHECKING { "checking" } else { "business" };
        actual.push_str(&format!(
            "{descriptor} {minor} {account} {mcc:?} => {} {} `{}` rename={:?} rule={:?}\n",
            d.category,
            d.source.as_str(),
            d.seller,
            d.rename,
            d.rule_id.map(rule_name)
        ));
    }
    expect.assert_eq(&actual);
}

#[test]
fn sources_apply_in_order() {
    check(
        &[
            // User rules first, in order; a disabled rule never applies.
            ("SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA", -450, CHECKING, Some(5814)),
            ("AMZN Mktp US*2K4HJ7 Amzn.com/bill WA", -1500, CHECKING, Some(5942)),
            ("AMZN Mktp US*2K4HJ7 Amzn.com/bill WA", -2500, CHECKING, Some(5942)),
            ("CHIPOTLE 2364 OAKLAND CA", -1200, CHECKING, None),
            ("CHIPOTLE 2364 OAKLAND CA", -1200, BUSINESS_CARD, None),
            ("SHELL OIL 57442 OAKLAND CA", -4000, BUSINESS_CARD, None),
            // A rule that only renames: the category comes from the next source.
            ("CHECKCARD 1126 TRADER JOE S #127 OAKLAND CA", -3000, CHECKING, None),
            // Learned rules after user rules, before the dictionary (and the crowd).
            ("STARBUCKS STORE 05479 OAKLAND CA", -500, CHECKING, None),
            ("POS DEBIT 0412 SHELL OIL 57442", -4000, CHECKING, None),
            // The dictionary.
            ("WHOLEFDS OAK 10234 OAKLAND CA", -5000, CHECKING, Some(5999)),
            ("NETFLIX.COM NETFLIX.COM CA", -1549, CHECKING, None),
            // The crowd, for a seller the dictionary does not know; a vote for an unknown
            // category is ignored.
            ("ZZQ GALLERY 0044 OAKLAND CA", -9000, CHECKING, Some(5999)),
            ("ODD 1234", -100, CHECKING, None),
            // The provider's merchant category code.
            ("QWERTY HOLDINGS 0044", -2200, CHECKING, Some(5411)),
            ("QWERTY HOLDINGS 0044", -2200, CHECKING, Some(9999)),
            // Defaults.
            ("QWERTY HOLDINGS 0044", -2200, CHECKING, None),
            ("ACME ROBOTICS INC DES:PAYROLL ID:123456 INDN:JORDAN AVERY CO ID:987 PPD", 250000, CHECKING, None),
            ("QWERTY DIRECT DEP", 100000, CHECKING, None),
            ("QWERTY DIRECT DEP", -100000, CHECKING, None),
            ("SANDBOX VISA AUTOPAY ...7731 ONLINE PMT", -120000, CHECKING, None),
            ("", 0, CHECKING, None),
        ],
        expect![[r#"
            SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA -450 checking Some(5814) => FOOD_RESTAURANTS rule `blue bottle coffee` rename=None rule=Some("u-coffee")
            AMZN Mktp US*2K4HJ7 Amzn.com/bill WA -1500 checking Some(5942) => SHOPPING_ELECTRONICS rule `amazon` rename=Some("Amazon (small)") rule=Some("u-small-amazon")
            AMZN Mktp US*2K4HJ7 Amzn.com/bill WA -2500 checking Some(5942) => SHOPPING dictionary `amazon` rename=None rule=None
            CHIPOTLE 2364 OAKLAND CA -1200 checking None => FOOD_FAST_FOOD dictionary `chipotle` rename=None rule=None
            CHIPOTLE 2364 OAKLAND CA -1200 business None => BUSINESS rule `chipotle` rename=None rule=Some("u-business")
            SHELL OIL 57442 OAKLAND CA -4000 business None => BUSINESS rule `shell oil` rename=None rule=Some("u-business")
            CHECKCARD 1126 TRADER JOE S #127 OAKLAND CA -3000 checking None => FOOD_GROCERIES dictionary `trader joes` rename=Some("Trader Joe's") rule=Some("u-rename")
            STARBUCKS STORE 05479 OAKLAND CA -500 checking None => FOOD_RESTAURANTS learned `starbucks` rename=None rule=Some("l-starbucks")
            POS DEBIT 0412 SHELL OIL 57442 -4000 checking None => AUTO learned `shell oil` rename=None rule=Some("l-shell")
            WHOLEFDS OAK 10234 OAKLAND CA -5000 checking Some(5999) => FOOD_GROCERIES dictionary `wholefds oak` rename=None rule=None
            NETFLIX.COM NETFLIX.COM CA -1549 checking None => SUBSCRIPTIONS dictionary `netflix` rename=None rule=None
            ZZQ GALLERY 0044 OAKLAND CA -9000 checking Some(5999) => ENTERTAINMENT crowd `zzq gallery` rename=None rule=None
            ODD 1234 -100 checking None => UNCATEGORIZED default `odd` rename=None rule=None
            QWERTY HOLDINGS 0044 -2200 checking Some(5411) => FOOD_GROCERIES provider `qwerty holdings` rename=None rule=None
            QWERTY HOLDINGS 0044 -2200 checking Some(9999) => UNCATEGORIZED default `qwerty holdings` rename=None rule=None
            QWERTY HOLDINGS 0044 -2200 checking None => UNCATEGORIZED default `qwerty holdings` rename=None rule=None
            ACME ROBOTICS INC DES:PAYROLL ID:123456 INDN:JORDAN AVERY CO ID:987 PPD 250000 checking None => INCOME_PAYCHECK default `acme robotics` rename=None rule=None
            QWERTY DIRECT DEP 100000 checking None => INCOME_PAYCHECK default `qwerty direct dep` rename=None rule=None
            QWERTY DIRECT DEP -100000 checking None => UNCATEGORIZED default `qwerty direct dep` rename=None rule=None
            SANDBOX VISA AUTOPAY ...7731 ONLINE PMT -120000 checking None => TRANSFER_CREDIT_CARD default `sandbox visa autopay` rename=None rule=None
             0 checking None => UNCATEGORIZED default `` rename=None rule=None
        "#]],
    );
}

#[test]
fn category_sources_have_their_sql_names() {
    let all = [
        CategorySource::User,
        CategorySource::Rule,
        CategorySource::Learned,
        CategorySource::Dictionary,
        CategorySource::Crowd,
        CategorySource::Provider,
        CategorySource::Default,
    ];
    let names: Vec<&str> = all.iter().map(CategorySource::as_str).collect();
    assert_eq!(names, ["user", "rule", "learned", "dictionary", "crowd", "provider", "default"]);
    for source in all {
        assert_eq!(serde_json::to_string(&source).unwrap(), format!("\"{}\"", source.as_str()));
    }
    assert_eq!(RuleOrigin::Learned.as_str(), "learned");
}

#[test]
fn rules_round_trip_through_json() {
    let rules = rules();
    let json = serde_json::to_string(&rules[4]).unwrap();
    expect![[r#"{"id":"8c4ef473-007f-5995-82f9-1a0c6d3a2796","origin":"user","conditions":[{"payee_matches":"amzn|amazon"},{"amount_between":{"min":{"amount":"-20.00","currency":"USD"},"max":{"amount":"0.00","currency":"USD"}}}],"actions":{"category":"SHOPPING_ELECTRONICS","rename":"Amazon (small)"},"enabled":true}"#]].assert_eq(&json);
    let back: Rule = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rules[4]);
}

#[test]
fn invalid_rules_are_refused() {
    use Condition::*;
    let base = |conditions, category: Option<&str>| rule("r", RuleOrigin::User, conditions, category, None);
    assert!(rules().iter().all(|r| r.validate().is_ok()));
    assert!(matches!(
        base(vec![PayeeMatches("(unclosed".into())], Some("FOOD")).validate(),
        Err(RuleError::Regex { .. })
    ));
    assert_eq!(
        base(vec![PayeeIs("x".into())], Some("NOPE")).validate(),
        Err(RuleError::UnknownCategory("NOPE".into()))
    );
    assert_eq!(base(vec![], Some("FOOD")).validate(), Err(RuleError::NoConditions));
    assert_eq!(base(vec![PayeeIs("x".into())], None).validate(), Err(RuleError::NoActions));
    let backwards = AmountBetween { min: Some(usd(100)), max: Some(usd(-100)) };
    assert_eq!(base(vec![backwards], Some("FOOD")).validate(), Err(RuleError::AmountRange));
}

#[test]
fn few_sandbox_descriptors_stay_uncategorized() {
    // Descriptor only, no merchant category code: the dictionary and defaults must do the work.
    let categorizer = Categorizer::new(&[], Dictionary::builtin(), &NoCrowd);
    let mut report = String::new();
    let mut uncategorized = 0;
    let mut total = 0;
    for line in include_str!("../data/sandbox_descriptors.txt").lines().filter(|l| !l.starts_with('#')) {
        let Some((direction, descriptor)) = line.split_once('\t') else { continue };
        let amount = if direction == "+" { usd(1000) } else { usd(-1000) };
        let d = categorizer.categorize(&Input { descriptor, amount, account: CHECKING, mcc: None });
        total += 1;
        if d.category == UNCATEGORIZED {
            uncategorized += 1;
        }
        report.push_str(&format!("{direction} {descriptor} => {} ({})\n", d.category, d.source.as_str()));
    }
    expect_test::expect_file!["../data/sandbox_descriptors.categorized"].assert_eq(&report);
    assert!(uncategorized * 100 < total * 5, "{uncategorized} of {total} uncategorized:\n{report}");
}

fn condition() -> impl Strategy<Value = Condition> {
    let money = (any::<i32>(), prop_oneof![Just(Currency::USD), Just(Currency::EUR)])
        .prop_map(|(minor, currency)| Money::from_minor(i64::from(minor), currency));
    prop_oneof![
        "\\PC{0,12}".prop_map(Condition::PayeeIs),
        "\\PC{0,12}".prop_map(Condition::PayeeContains),
        (proptest::option::of(money.clone()), proptest::option::of(money))
            .prop_map(|(min, max)| Condition::AmountBetween { min, max }),
        prop_oneof![Just(CHECKING), Just(BUSINESS_CARD)].prop_map(Condition::Account),
    ]
}

fn any_rule() -> impl Strategy<Value = Rule> {
    (
        prop_oneof![Just(RuleOrigin::User), Just(RuleOrigin::Learned)],
        proptest::collection::vec(condition(), 0..3),
        proptest::option::of(prop_oneof![Just("FOOD".to_owned()), Just("BOGUS".to_owned()), "\\PC{0,8}"]),
        proptest::option::of("\\PC{0,8}"),
        any::<bool>(),
    )
        .prop_map(|(origin, conditions, category, rename, enabled)| Rule {
            id: rule_id("p"),
            origin,
            conditions,
            actions: RuleActions { category: category.map(CategoryId::from), rename },
            enabled,
        })
}

proptest! {
    #[test]
    fn categorize_never_panics(
        descriptor in "\\PC{0,80}",
        minor in any::<i64>(),
        mcc in proptest::option::of(any::<u16>()),
        rules in proptest::collection::vec(any_rule(), 0..4),
    ) {
        let categorizer = Categorizer::new(&rules, Dictionary::builtin(), &NoCrowd);
        let d = categorizer.categorize(&Input { descriptor: &descriptor, amount: usd(minor), account: CHECKING, mcc });
        prop_assert!(CATEGORY_IDS.contains(&d.category.as_str()));
        prop_assert!(!d.seller.contains("  ") && d.seller.trim() == d.seller);
    }

    #[test]
    fn normalize_never_panics_on_descriptor_shapes(
        descriptor in "(SQ \\*|TST\\* |PAYPAL \\*|AMZN Mktp US\\*|POS DEBIT [0-9]{4} )?[A-Z0-9#&'./*-]{0,12}( [A-Z0-9#&'./*-]{0,10}){0,6}",
    ) {
        let seller = spearmint_core::seller::normalize(&descriptor);
        prop_assert!(seller.chars().all(|c| !c.is_uppercase()));
    }
}
