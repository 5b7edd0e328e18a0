//! What the Transactions screen edits besides the category: splits into parts that add up
//! exactly, the payee's name and a note, each shown back on the row and counted in spending.

use chrono::Utc;
use spearmint_core::{Currency, Money};
use spearmint_engine::{ErrorKind, NewTransaction, SplitPart, TransactionQuery};

use crate::common::{checking, passphrase_vault};

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn part(category: &str, amount: &str) -> (spearmint_core::CategoryId, Money, Option<String>) {
    (category.into(), usd(amount), None)
}

#[test]
fn a_split_shows_its_parts_counts_them_in_spending_and_undoes_whole() {
    let (_dir, engine) = passphrase_vault();
    let account = checking(&engine);
    let today = Utc::now().date_naive();
    let month = today.format("%Y-%m").to_string();
    let id = engine
        .add_transaction(NewTransaction {
            account,
            posted_on: today,
            amount: usd("-100.00"),
            seller: "CHECKCARD 1202 COSTCO WHSE #0114 OAKLAND CA".into(),
            memo: None,
        })
        .unwrap();
    engine.set_category(id, "SHOPPING").unwrap();
    let row = engine.transaction(id).unwrap();
    assert_eq!(row.name, "Costco Whse");
    assert!(row.parts.is_empty());

    // Parts that do not add up are refused whole, with the two sums in words.
    let wrong = engine.split_transaction(id, &[part("FOOD_GROCERIES", "-60.00"), part("SHOPPING", "-39.99")]);
    let error = wrong.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(error.to_string().contains("add up to"), "{error}");
    assert!(engine.transaction(id).unwrap().parts.is_empty());

    engine.split_transaction(id, &[part("FOOD_GROCERIES", "-60.00"), part("SHOPPING", "-40.00")]).unwrap();
    let row = engine.transaction(id).unwrap();
    assert_eq!(
        row.parts,
        [
            SplitPart { category: "FOOD_GROCERIES".into(), amount: usd("-60.00"), memo: None },
            SplitPart { category: "SHOPPING".into(), amount: usd("-40.00"), memo: None },
        ]
    );
    let spent = |category: &str| {
        engine
            .spending(&month)
            .unwrap()
            .categories
            .into_iter()
            .find(|c| c.category == category)
            .map_or(usd("0.00"), |c| c.amount)
    };
    assert_eq!((spent("FOOD_GROCERIES"), spent("SHOPPING")), (usd("-60.00"), usd("-40.00")));
    // The list says the same as the one-row read.
    let listed = engine.transactions(&TransactionQuery { limit: Some(10), ..TransactionQuery::default() }).unwrap();
    assert_eq!(listed.iter().find(|t| t.id == id).unwrap().parts, row.parts);

    engine.unsplit_transaction(id).unwrap();
    assert!(engine.transaction(id).unwrap().parts.is_empty());
    assert_eq!((spent("FOOD_GROCERIES"), spent("SHOPPING")), (usd("0.00"), usd("-100.00")));
}

#[test]
fn the_user_names_the_payee_and_writes_a_note_without_touching_the_banks_words() {
    let (_dir, engine) = passphrase_vault();
    let account = checking(&engine);
    let id = engine
        .add_transaction(NewTransaction {
            account,
            posted_on: Utc::now().date_naive(),
            amount: usd("-12.00"),
            seller: "SQ *SIR WALTER COFFEE RALEIGH NC".into(),
            memo: Some("card 1234".into()),
        })
        .unwrap();
    engine.set_payee_and_note(id, Some("  Sir Walter  "), Some("with Sam")).unwrap();
    let row = engine.transaction(id).unwrap();
    assert_eq!(
        (row.name.as_str(), row.payee.as_deref(), row.note.as_deref()),
        ("Sir Walter", Some("Sir Walter"), Some("with Sam"))
    );
    assert_eq!((row.seller.as_str(), row.memo.as_deref()), ("SQ *SIR WALTER COFFEE RALEIGH NC", Some("card 1234")));

    // Clearing the name shows the seller's own again; an empty note is no note.
    engine.set_payee_and_note(id, None, Some("   ")).unwrap();
    let row = engine.transaction(id).unwrap();
    assert_eq!((row.name.as_str(), row.payee, row.note), ("Sir Walter Coffee", None, None));

    let long = "x".repeat(501);
    assert_eq!(engine.set_payee_and_note(id, Some(&long), None).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(engine.set_payee_and_note(id, Some("two\nlines"), None).unwrap_err().kind(), ErrorKind::Invalid);
    let missing = "00000000-0000-0000-0000-000000000000".parse().unwrap();
    assert_eq!(engine.set_payee_and_note(missing, Some("x"), None).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(engine.transaction(missing).unwrap_err().kind(), ErrorKind::NotFound);
}
