//! Local shops: the words of a seller's name, the descriptor's processor and channel, payments
//! to people, and what the user's own corrections teach.

use spearmint_core::categorize::UNCATEGORIZED;
use spearmint_core::lexicon::LexiconError;
use spearmint_core::seller::{self, Channel};
use spearmint_core::{
    AccountId, Categorizer, CategorySource, Currency, Decision, Dictionary, Input, Lexicon, Money, NoCrowd,
    ProfileModel,
};
use uuid::Uuid;

const CHECKING: AccountId = AccountId::from_uuid(Uuid::from_u128(1));

fn decide_with(categorizer: &Categorizer<'_>, descriptor: &str, minor: i64) -> Decision {
    let amount = Money::from_minor(minor, Currency::USD);
    categorizer.categorize(&Input { descriptor, amount, account: CHECKING, mcc: None })
}

fn decide(descriptor: &str, minor: i64) -> Decision {
    decide_with(&Categorizer::new(&[], Dictionary::builtin(), &NoCrowd), descriptor, minor)
}

/// (category, source) and the deciding words.
fn summary(d: &Decision) -> (String, &'static str, Vec<String>) {
    (d.category.to_string(), d.source.as_str(), d.words.clone())
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn the_shipped_lexicon_parses_and_covers_every_language_the_importers_read() {
    let lexicon = Lexicon::builtin();
    assert!(lexicon.len() > 500, "only {} phrases", lexicon.len());
    for (word, category) in [
        ("coffee", "FOOD_COFFEE"),
        ("pizzeria", "FOOD_RESTAURANTS"),
        ("barbering", "PERSONAL_CARE"),
        ("dds", "HEALTH"),
        ("pharmacy", "HEALTH_PHARMACY"),
        ("parking", "AUTO_PARKING"),
        ("hotel", "TRAVEL_HOTEL"),
        ("supermercado", "FOOD_GROCERIES"),
        ("boulangerie", "FOOD_RESTAURANTS"),
        ("apotheke", "HEALTH_PHARMACY"),
        ("padaria", "FOOD_RESTAURANTS"),
        ("apotheek", "HEALTH_PHARMACY"),
    ] {
        let verdict = lexicon.score(word).unwrap_or_else(|| panic!("`{word}` is not in the lexicon"));
        assert_eq!((verdict.category, verdict.words), (category, words(&[word])), "{word}");
    }
}

#[test]
fn local_shops_are_categorized_by_the_words_of_their_names() {
    for (descriptor, expected, deciding) in [
        ("SIR WALTER COFFEE -CRALEIGH NC", "FOOD_COFFEE", &["coffee"][..]),
        ("RALEIGH TIMES BAR", "FOOD_RESTAURANTS", &["bar"]),
        ("ARROW BARBERING CO.", "PERSONAL_CARE", &["barbering"]),
        ("CHECKCARD 1126 SUNRISE DENTAL 555-123-4567 CA", "HEALTH", &["dental"]),
        ("KARTENZAHLUNG STADTBAECKEREI MUELLER", "FOOD_RESTAURANTS", &["baeckerei"]),
    ] {
        let d = decide(descriptor, -1_250);
        assert_eq!(summary(&d), (expected.to_owned(), "lexicon", words(deciding)), "{descriptor}: {d:?}");
        let quoted = format!("\"{}\"", deciding[0]);
        assert!(d.reason.as_deref().is_some_and(|r| r.contains(&quoted)), "{descriptor}: {:?}", d.reason);
    }
}

#[test]
fn a_name_cut_short_or_glued_together_still_says_what_it_is() {
    // Card networks cut the name field (`KITCHE`) and some banks glue words to each other or to
    // a number (`CITYTAXI7G41`); the lexicon's words are found all the same, as strong hints.
    for (descriptor, expected, deciding) in [
        ("MAPLE LEAF KITCHE SPRINGFIELD IL", "FOOD_RESTAURANTS", &["kitche"][..]),
        ("CASA DEL SOL RESTAURA", "FOOD_RESTAURANTS", &["restaura"]),
        ("CITYTAXI7G41 SPRINGFIELD IL", "AUTO_RIDESHARE", &["taxi"]),
        ("DOWNTOWNPARKINGGARAGE", "AUTO_PARKING", &["parking"]),
    ] {
        let d = decide(descriptor, -1_250);
        assert_eq!(summary(&d), (expected.to_owned(), "lexicon", words(deciding)), "{descriptor}: {d:?}");
    }
    // A word cut anywhere but at the end, a short glued word, or a cut word that could begin
    // words of two categories decide nothing.
    let lexicon = Lexicon::builtin();
    for name in ["kitche of joy", "cafe12", "pharm"] {
        assert_eq!(lexicon.score(name), None, "{name}");
    }
}

#[test]
fn one_weak_word_does_not_beat_a_strong_one() {
    // `market` leans to groceries, weakly; `pizzeria` is unmistakable.
    let d = decide("HILLTOP MARKET PIZZERIA", -2_400);
    assert_eq!(d.category, "FOOD_RESTAURANTS", "{d:?}");
    assert_eq!(d.words, words(&["pizzeria"]));
    // The head of an English name is its last word: books and coffee is a cafe.
    assert!(decide("BLACKBIRD BOOKS AND COFFEE", -650).category.starts_with("FOOD"), "a bookshop cafe is Food");
    // A weak word alone still decides, after the merchant category code: through the shipped
    // model, which learned the lexicon, when it is sure enough, or else the lexicon itself.
    let weak = decide_with(&Categorizer::new(&[], Dictionary::builtin(), &NoCrowd), "CORNER MARKET", -900);
    let (category, source, deciding) = summary(&weak);
    assert!(["lexicon", "model"].contains(&source), "{weak:?}");
    assert_eq!((category.as_str(), deciding), ("FOOD_GROCERIES", words(&["market"])), "{weak:?}");
    let with_mcc = Categorizer::new(&[], Dictionary::builtin(), &NoCrowd).categorize(&Input {
        descriptor: "CORNER MARKET",
        amount: Money::from_minor(-900, Currency::USD),
        account: CHECKING,
        mcc: Some(5812),
    });
    assert_eq!((with_mcc.category.as_str(), with_mcc.source), ("FOOD_RESTAURANTS", CategorySource::Provider));
}

#[test]
fn the_processor_says_what_kind_of_merchant_it_is() {
    assert_eq!(seller::analyze("TST* BIDA MANDA 0000RALEIGH NC").channel, Some(Channel::RestaurantPos));
    let toast = decide("TST* BIDA MANDA 0000RALEIGH NC", -4_210);
    assert_eq!((toast.category.as_str(), toast.source), ("FOOD_RESTAURANTS", CategorySource::Channel));
    assert!(toast.reason.as_deref().is_some_and(|r| r.contains("Toast")), "{toast:?}");
    // Toast's register at a cafe: the name's words say which kind of food.
    assert_eq!(decide("TST* PROVENANCE COFFEE 00042", -525).category, "FOOD_COFFEE");
    // Square says nothing by itself: the name decides, or nothing does.
    assert_eq!(seller::analyze("SQ *HARBOR CAFE PORTLAND OR").channel, None);
    assert_eq!(decide("SQ *HARBOR CAFE PORTLAND OR", -480).source, CategorySource::Lexicon);
    assert_eq!(decide("SQ *QWXZ", -480).category, UNCATEGORIZED);
    assert_eq!(seller::analyze("DD *DOORDASH SOMEPLACE").channel, Some(Channel::FoodDelivery));
    assert_eq!(decide("DD *DOORDASH SOMEPLACE", -3_100).category, "FOOD_RESTAURANTS");
    // Some banks glue the platform's name to the restaurant's.
    assert_eq!(seller::analyze("SEAMLSSGOLDENDRAGONEXP").channel, Some(Channel::FoodDelivery));
    assert_eq!(seller::analyze("CAVIARTERIA").channel, None, "a short platform name is not looked for inside words");
}

#[test]
fn transfers_card_payments_and_payroll_keep_their_kind() {
    assert_eq!(decide("ONLINE TRANSFER TO SAV XXXXXX1234", -50_000).category, "TRANSFER");
    assert_eq!(decide("CITI AUTOPAY PAYMENT", -80_000).category, "TRANSFER_CREDIT_CARD");
    assert_eq!(decide("PAYMENT - THANK YOU", 80_000).category, "TRANSFER_CREDIT_CARD");
    assert_eq!(decide("ACME CORP PAYROLL PPD ID: 123", 250_000).category, "INCOME_PAYCHECK");
}

#[test]
fn money_paid_to_others_is_categorized_by_whom_it_pays() {
    let rent = decide("ZELLE PAYMENT TO BAYVIEW HOMES LLC CONF# 48213", -180_000);
    assert_eq!((rent.category.as_str(), rent.seller.as_str()), ("HOUSING_RENT", "bayview homes"), "{rent:?}");
    let read = seller::analyze("ZELLE PAYMENT TO BAYVIEW HOMES LLC CONF# 48213");
    assert!(matches!(read.channel, Some(Channel::Person { service: "Zelle", named: true, .. })), "{read:?}");
    // An unknown landlord's name can still say what it is.
    assert_eq!(decide("ZELLE TO OAK PARK APARTMENTS", -150_000).category, "HOUSING_RENT");
    // The sender's note says what it paid for.
    let note = decide("Zelle payment to JOHN SMITH for \"rent\"; Conf# ab12", -120_000);
    assert_eq!((note.category.as_str(), note.source), ("HOUSING_RENT", CategorySource::Lexicon), "{note:?}");
    // A person and nothing else: not a transfer, and the app asks what it was.
    let person = decide("ZELLE PAYMENT TO MARIA LOPEZ", -6_000);
    assert_eq!((person.category.as_str(), person.source), (UNCATEGORIZED, CategorySource::Channel), "{person:?}");
    assert!(person.reason.as_deref().is_some_and(|r| r.contains("Zelle") && r.contains("choose")), "{person:?}");
    assert_eq!(decide("ZELLE TRANSFER TO MARIA LOPEZ", -6_000).category, UNCATEGORIZED);
    let received = decide("ZELLE FROM JOHN SMITH", 5_000);
    assert_eq!(received.category, "INCOME", "{received:?}");
    // Venmo's ACH line names nobody.
    let venmo = seller::analyze("VENMO PAYMENT 1023 WEB ID: 3264681992");
    assert!(matches!(venmo.channel, Some(Channel::Person { named: false, .. })), "{venmo:?}");
    assert!(!venmo.seller.is_empty());
    assert_eq!(decide("VENMO PAYMENT 1023 WEB ID: 3264681992", -2_000).category, UNCATEGORIZED);
    // A check says nothing of its payee.
    let check = decide("CHECK # 1043", -25_000);
    assert_eq!((check.category.as_str(), check.source), (UNCATEGORIZED, CategorySource::Channel));
    assert_eq!(seller::analyze("CHECKCARD 1202 SAFEWAY #1205").channel, None);
}

#[test]
fn the_dictionary_alone_knows_none_of_this() {
    let old = Categorizer::new(&[], Dictionary::builtin(), &NoCrowd).dictionary_only();
    assert_eq!(decide_with(&old, "RALEIGH TIMES BAR", -1_800).category, UNCATEGORIZED);
    assert_eq!(decide_with(&old, "TST* BIDA MANDA 0000RALEIGH NC", -1_800).category, UNCATEGORIZED);
}

#[test]
fn two_corrections_teach_a_third_seller_and_only_then() {
    let one = ProfileModel::learn([("lumen cafe", "FOOD_COFFEE")]);
    let two = ProfileModel::learn([("lumen cafe", "FOOD_COFFEE"), ("odd duck cafe", "FOOD_COFFEE")]);
    let fresh = "MOSAIC CAFE #12 DURHAM NC";
    let base = Categorizer::new(&[], Dictionary::builtin(), &NoCrowd);
    let before = decide_with(&base.with_profile(&one), fresh, -450);
    assert_ne!(before.source, CategorySource::Profile, "one correction is not a pattern: {before:?}");
    let after = decide_with(&Categorizer::new(&[], Dictionary::builtin(), &NoCrowd).with_profile(&two), fresh, -450);
    assert_eq!((after.category.as_str(), after.source), ("FOOD_COFFEE", CategorySource::Profile), "{after:?}");
    assert_eq!(after.words, words(&["cafe"]));
    assert!(after.reason.as_deref().is_some_and(|r| r.contains("\"cafe\"") && r.contains('2')), "{after:?}");
    // A seller the user filed before keeps what they chose, even against the lexicon.
    let own = ProfileModel::learn([("raleigh times bar", "ENTERTAINMENT")]);
    let d = decide_with(
        &Categorizer::new(&[], Dictionary::builtin(), &NoCrowd).with_profile(&own),
        "RALEIGH TIMES BAR",
        -900,
    );
    assert_eq!((d.category.as_str(), d.source), ("ENTERTAINMENT", CategorySource::Profile));
    // A word filed under several categories teaches nothing.
    let mixed = ProfileModel::learn([
        ("lumen cafe", "FOOD_COFFEE"),
        ("odd duck cafe", "FOOD_COFFEE"),
        ("cafe rio", "FOOD_RESTAURANTS"),
        ("cafe press", "SHOPPING"),
    ]);
    assert_eq!(mixed.predict("mosaic cafe"), None);
    // The same corrections in another order give the same model.
    let reversed = ProfileModel::learn([("odd duck cafe", "FOOD_COFFEE"), ("lumen cafe", "FOOD_COFFEE")]);
    assert_eq!(reversed.predict("mosaic cafe"), two.predict("mosaic cafe"));
}

#[test]
fn the_lexicon_refuses_malformed_data_with_the_line() {
    assert_eq!(Lexicon::parse("coffee\tFOOD_COFFEE\n").unwrap_err(), LexiconError::Syntax { line: 1 });
    assert_eq!(
        Lexicon::parse("# c\ncoffee\tFOOD_BOGUS\t2\n").unwrap_err(),
        LexiconError::UnknownCategory { line: 2, category: "FOOD_BOGUS".into() }
    );
    assert_eq!(Lexicon::parse("coffee\tFOOD_COFFEE\t4\n").unwrap_err(), LexiconError::Weight { line: 1 });
    assert!(matches!(Lexicon::parse("Coffee\tFOOD_COFFEE\t2\n"), Err(LexiconError::Phrase { line: 1, .. })));
    assert!(matches!(Lexicon::parse("a b c d\tFOOD_COFFEE\t2\n"), Err(LexiconError::Phrase { line: 1, .. })));
    assert!(matches!(Lexicon::parse("x\tUNCATEGORIZED\t2\n"), Err(LexiconError::UnknownCategory { .. })));
    assert!(matches!(Lexicon::parse("bakkerij\tFOOD_RESTAURANTS\t2\tprefix\n"), Err(LexiconError::Syntax { line: 1 })));
    let small = Lexicon::parse("natural gas\tUTILITIES_POWER\t3\ngas\tGAS\t2\nbakkerij\tFOOD_RESTAURANTS\t2\tsuffix\n")
        .unwrap();
    // The longest phrase is read first: `natural gas` is not also `gas`.
    assert_eq!(small.score("piedmont natural gas").map(|v| v.category), Some("UTILITIES_POWER"));
    assert_eq!(small.score("dorpsbakkerij jansen").map(|v| v.words), Some(words(&["bakkerij"])));
    assert_eq!(small.score("bakkerijx"), None);
}
