//! Categorization in the engine: the demo comes out categorized; a user's choice is locked
//! and survives refreshes; rules added later never touch stored rows; "apply to this seller"
//! creates a visible learned rule that categorizes the seller's next transactions.

use spearmint_core::{Condition, RuleActions, RuleOrigin};
use spearmint_engine::{Engine, EngineOptions, TransactionQuery};

use crate::common::{self, all, demo_vault, passphrase, passphrase_vault};

/// A one-transaction SimpleFIN response: a deterministic way in for new rows.
fn statement(id: &str, day: u32, cents: i64, description: &str) -> Vec<u8> {
    let when =
        chrono::NaiveDate::from_ymd_opt(2026, 3, day).unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
    let amount = spearmint_core::Money::from_minor(cents, spearmint_core::Currency::USD).to_plain_string();
    serde_json::json!({ "errors": [], "accounts": [{
        "org": { "domain": "bank.example" }, "id": "ACC-9", "name": "Card", "currency": "USD",
        "balance": "0.00", "balance-date": when,
        "transactions": [{ "id": id, "posted": when, "amount": amount, "description": description }]
    }]})
    .to_string()
    .into_bytes()
}

fn import(engine: &Engine, bytes: Vec<u8>) {
    common::import(engine, "a.json", bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_categorized_and_a_users_choice_survives_refreshes() {
    let (_dir, engine) = demo_vault().await;
    let txns = all(&engine);
    let uncategorized = txns.iter().filter(|t| t.category.as_deref() == Some("UNCATEGORIZED")).count();
    assert!(txns.len() > 100);
    assert!(uncategorized * 20 < txns.len(), "{uncategorized} of {} demo transactions are uncategorized", txns.len());
    assert!(txns.iter().all(|t| t.category_source.is_some()), "every category records its source");

    // The user overrides one; a later rule for everything and a refresh leave it alone.
    let target = txns.iter().find(|t| t.category.as_deref() == Some("FOOD_COFFEE")).expect("the demo buys coffee");
    engine.set_category(target.id, "SHOPPING").unwrap();
    engine
        .add_rule(
            vec![Condition::PayeeContains("a".into())],
            RuleActions { category: Some("GIFTS".into()), rename: None },
            RuleOrigin::User,
        )
        .unwrap();
    engine.refresh(None, |_| {}).await.unwrap();
    let after = all(&engine);
    let same = after.iter().find(|t| t.id == target.id).unwrap();
    assert_eq!(
        (same.category.as_deref(), same.category_source.as_deref(), same.category_locked),
        (Some("SHOPPING"), Some("user"), true)
    );
    let before: Vec<_> = txns.iter().filter(|t| t.id != target.id).map(|t| (t.id, t.category.clone())).collect();
    let now: Vec<_> = after.iter().filter(|t| t.id != target.id).map(|t| (t.id, t.category.clone())).collect();
    assert_eq!(before, now, "a new rule never re-categorizes stored rows");
}

#[test]
fn apply_to_this_seller_learns_a_visible_rule_for_next_time() {
    let (_dir, engine) = passphrase_vault();
    import(&engine, statement("T-1", 3, -1_250, "SQ *NEIGHBORHOOD BIKE SHOP 0042 OAKLAND CA"));
    let first = all(&engine)[0].clone();
    engine.set_category(first.id, "AUTO_SERVICE").unwrap();
    let rule_id = engine.learn_from(first.id).unwrap();
    let rules = engine.rules().unwrap();
    let learned = rules.iter().find(|r| r.id == rule_id).expect("the learned rule is listed");
    assert_eq!(learned.origin, RuleOrigin::Learned);
    assert_eq!(learned.actions.category.as_deref(), Some("AUTO_SERVICE"));

    import(&engine, statement("T-2", 9, -3_000, "SQ *NEIGHBORHOOD BIKE SHOP 0042 OAKLAND CA"));
    let next = all(&engine).into_iter().find(|t| t.id != first.id).unwrap();
    assert_eq!((next.category.as_deref(), next.category_source.as_deref()), (Some("AUTO_SERVICE"), Some("learned")));
    assert!(!next.category_locked, "a learned rule decides, the user did not");

    // A rule can be edited and turned off; a disabled rule decides nothing.
    let edited = engine.edit_rule(rule_id, Some(Some("SHOPPING".into())), None, Some(false)).unwrap();
    assert_eq!((edited.actions.category.as_deref(), edited.enabled), (Some("SHOPPING"), false));
    assert!(engine.edit_rule(rule_id, Some(Some("NOT_A_CATEGORY".into())), None, None).is_err());
    import(&engine, statement("T-2b", 10, -700, "SQ *NEIGHBORHOOD BIKE SHOP 0042 OAKLAND CA"));
    let disabled = all(&engine).into_iter().find(|t| t.posted_on.to_string() == "2026-03-10").unwrap();
    assert_ne!(disabled.category_source.as_deref(), Some("learned"));
    engine.edit_rule(rule_id, None, None, Some(true)).unwrap();

    // The rule can be deleted; later rows no longer follow it.
    engine.delete_rule(rule_id).unwrap();
    import(&engine, statement("T-3", 12, -500, "SQ *NEIGHBORHOOD BIKE SHOP 0042 OAKLAND CA"));
    let third = all(&engine).into_iter().find(|t| t.posted_on.to_string() == "2026-03-12").unwrap();
    assert_ne!(third.category_source.as_deref(), Some("learned"));
}

#[test]
fn two_corrections_move_a_new_seller_and_no_stored_row_moves() {
    let (_dir, engine) = passphrase_vault();
    // Two independent cafes the lexicon files under Coffee Shops; the user says they are
    // restaurants (they serve dinner).
    import(&engine, statement("C-1", 2, -1_800, "LANTERN CAFE 0042 DURHAM NC"));
    import(&engine, statement("C-2", 3, -2_200, "SQ *ODD DUCK CAFE"));
    import(&engine, statement("C-0", 4, -450, "SQ *PORCH CAFE"));
    let stored = all(&engine);
    let by_day = |rows: &[spearmint_engine::Transaction], day: &str| {
        rows.iter().find(|t| t.posted_on.to_string() == format!("2026-03-{day}")).unwrap().clone()
    };
    let porch = by_day(&stored, "04");
    assert_eq!((porch.category.as_deref(), porch.category_source.as_deref()), (Some("FOOD_COFFEE"), Some("lexicon")));
    assert_eq!(porch.category_reason.as_deref(), Some("\"cafe\" in the name"), "the reason is stored with the row");

    engine.set_category(by_day(&stored, "02").id, "FOOD_RESTAURANTS").unwrap();
    import(&engine, statement("C-3", 5, -900, "MOSAIC CAFE #12 DURHAM NC"));
    let one = by_day(&all(&engine), "05");
    assert_ne!(one.category_source.as_deref(), Some("profile"), "one correction is not a pattern: {one:?}");

    engine.set_category(by_day(&stored, "03").id, "FOOD_RESTAURANTS").unwrap();
    import(&engine, statement("C-4", 6, -1_100, "TST* HARBOR CAFE 0007"));
    let after = all(&engine);
    let third = by_day(&after, "06");
    assert_eq!(
        (third.category.as_deref(), third.category_source.as_deref()),
        (Some("FOOD_RESTAURANTS"), Some("profile")),
        "{third:?}"
    );
    assert!(third.category_reason.as_deref().is_some_and(|r| r.contains("\"cafe\"")), "{third:?}");
    // What was stored before stays as it was, and the user's own choices stay locked.
    for day in ["04", "05"] {
        let before = if day == "05" { one.clone() } else { by_day(&stored, day) };
        let now = by_day(&after, day);
        assert_eq!((now.category, now.category_source), (before.category, before.category_source), "{day}");
    }
    assert!(by_day(&after, "02").category_locked && by_day(&after, "03").category_locked);
    assert_eq!(
        engine
            .categorize("ZEPHYR CAFE", spearmint_core::Money::from_minor(-500, spearmint_core::Currency::USD), None)
            .unwrap()
            .category,
        "FOOD_RESTAURANTS"
    );
}

#[test]
fn applying_a_rule_to_past_transactions_is_explicit_previewed_and_spares_the_users_choices() {
    let (_dir, engine) = passphrase_vault();
    import(&engine, statement("T-1", 3, -1_000, "CORNER STORE 17"));
    import(&engine, statement("T-2", 4, -2_000, "CORNER STORE 17"));
    import(&engine, statement("T-3", 5, -3_000, "CORNER STORE 17"));
    let rows = all(&engine);
    engine.set_category(rows[0].id, "GIFTS").unwrap(); // the user's own choice
    let rule = engine
        .add_rule(
            vec![Condition::PayeeContains("corner store".into())],
            RuleActions { category: Some("FOOD_GROCERIES".into()), rename: None },
            RuleOrigin::User,
        )
        .unwrap();
    let untouched: Vec<_> = all(&engine).iter().map(|t| (t.id, t.category.clone())).collect();
    assert!(
        untouched.iter().all(|(_, c)| c.as_deref() != Some("FOOD_GROCERIES")),
        "adding a rule changes nothing by itself"
    );

    let preview = engine.apply_rule(rule, true).unwrap();
    assert_eq!(preview.len(), 2, "{preview:?}");
    assert_eq!(
        all(&engine).iter().map(|t| (t.id, t.category.clone())).collect::<Vec<_>>(),
        untouched,
        "a preview changes nothing"
    );

    let applied = engine.apply_rule(rule, false).unwrap();
    assert_eq!(applied, preview, "the preview was exact");
    for t in all(&engine) {
        if t.id == rows[0].id {
            assert_eq!(t.category.as_deref(), Some("GIFTS"), "a locked row keeps the user's category");
        } else {
            assert_eq!((t.category.as_deref(), t.category_source.as_deref()), (Some("FOOD_GROCERIES"), Some("rule")));
        }
    }
    assert!(engine.doctor(false).unwrap().is_empty(), "monthly totals followed the re-categorization");
}

#[test]
fn the_crowds_top_vote_decides_for_sellers_nobody_else_knows() {
    let (_dir, engine) = passphrase_vault();
    let descriptor = "SQ *ZEPHYR ATELIER 0099 OAKLAND CA";
    let before = engine
        .categorize(descriptor, spearmint_core::Money::from_minor(-900, spearmint_core::Currency::USD), None)
        .unwrap();
    assert_eq!(before.category, "UNCATEGORIZED");
    engine.record_crowd_votes(descriptor, "SHOPPING_CLOTHING", 12).unwrap();
    engine.record_crowd_votes(descriptor, "ENTERTAINMENT", 3).unwrap();
    import(&engine, statement("Z-1", 7, -900, descriptor));
    let t = all(&engine).into_iter().next().unwrap();
    assert_eq!((t.category.as_deref(), t.category_source.as_deref()), (Some("SHOPPING_CLOTHING"), Some("crowd")));
    // Votes that arrive later never touch stored rows.
    import(&engine, statement("Z-2", 8, -1_100, "SQ *QUILLFEATHER STUDIO 12 OAKLAND CA"));
    let stored = all(&engine).into_iter().find(|t| t.seller.contains("QUILLFEATHER")).unwrap();
    engine.record_crowd_votes("SQ *QUILLFEATHER STUDIO 12 OAKLAND CA", "EDUCATION", 40).unwrap();
    import(&engine, statement("Z-2", 8, -1_100, "SQ *QUILLFEATHER STUDIO 12 OAKLAND CA"));
    let again = all(&engine).into_iter().find(|t| t.id == stored.id).unwrap();
    assert_eq!((again.category, again.category_source), (stored.category, stored.category_source));

    // The user's own rule still comes first.
    engine
        .add_rule(
            vec![Condition::PayeeContains("zephyr".into())],
            RuleActions { category: Some("GIFTS".into()), rename: None },
            RuleOrigin::User,
        )
        .unwrap();
    let d = engine
        .categorize(descriptor, spearmint_core::Money::from_minor(-900, spearmint_core::Currency::USD), None)
        .unwrap();
    assert_eq!(d.category, "GIFTS");
}

#[test]
fn a_rule_can_rename_the_payee_while_the_descriptor_is_kept() {
    let (_dir, engine) = passphrase_vault();
    import(&engine, statement("R-1", 2, -1_500, "ACH DEBIT 0001 MRS K GARDENING"));
    engine
        .add_rule(
            vec![Condition::PayeeContains("gardening".into())],
            RuleActions { category: Some("HOUSING_MAINTENANCE".into()), rename: Some("Mrs K, gardener".into()) },
            RuleOrigin::User,
        )
        .unwrap();
    import(&engine, statement("R-2", 9, -1_500, "ACH DEBIT 0002 MRS K GARDENING"));
    let renamed = all(&engine).into_iter().find(|t| t.posted_on.to_string() == "2026-03-09").unwrap();
    assert_eq!(renamed.payee.as_deref(), Some("Mrs K, gardener"));
    assert_eq!(renamed.seller, "ACH DEBIT 0002 MRS K GARDENING", "the bank's descriptor is kept");
    // The earlier row follows only when the user applies the rule.
    let rule = engine.rules().unwrap()[0].id;
    let earlier = || all(&engine).into_iter().find(|t| t.posted_on.to_string() == "2026-03-02").unwrap();
    assert_eq!(earlier().payee, None);
    let changes = engine.apply_rule(rule, false).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (earlier().payee.as_deref(), earlier().category.as_deref()),
        (Some("Mrs K, gardener"), Some("HOUSING_MAINTENANCE"))
    );
}

/// Search looks at what the list shows: the descriptor, the payee a rule gave it, the memo; with
/// an account it stays within that account; `%` and `_` are plain characters.
#[test]
fn search_finds_the_descriptor_the_renamed_payee_and_the_memo() {
    let (_dir, engine) = passphrase_vault();
    import(&engine, statement("S-1", 2, -1_500, "ACH DEBIT 0001 MRS K GARDENING"));
    engine
        .add_rule(
            vec![Condition::PayeeContains("gardening".into())],
            RuleActions { category: None, rename: Some("Mrs K, gardener".into()) },
            RuleOrigin::User,
        )
        .unwrap();
    import(&engine, statement("S-2", 9, -1_500, "ACH DEBIT 0002 MRS K GARDENING"));
    import(&engine, statement("S-3", 10, -999, "SALE 100% OFF_TODAY"));
    let account = all(&engine)[0].account_id;
    let other = engine
        .create_account(spearmint_engine::NewAccount {
            name: "Cash".into(),
            kind: spearmint_core::AccountKind::Cash,
            currency: spearmint_core::Currency::USD,
        })
        .unwrap();
    engine
        .add_transaction(spearmint_engine::NewTransaction {
            account: other,
            posted_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 11).unwrap(),
            amount: spearmint_core::Money::from_minor(-2_000, spearmint_core::Currency::USD),
            seller: "Farmers market".into(),
            memo: Some("flowers for the GARDENER".into()),
        })
        .unwrap();
    let found = |search: &str, account| -> Vec<String> {
        engine
            .transactions(&TransactionQuery { search: Some(search.into()), account, ..TransactionQuery::default() })
            .unwrap()
            .into_iter()
            .map(|t| t.posted_on.format("%d").to_string())
            .collect()
    };
    assert_eq!(found("gardening", None), ["09", "02"], "the descriptor, newest first");
    assert_eq!(found("mrs k, gardener", None), ["09"], "the payee a rule gave it");
    assert_eq!(found("gardener", None), ["11", "09"], "the memo too");
    assert_eq!(found("gardener", Some(account)), ["09"], "only the account asked for");
    assert_eq!(found("gardener", Some(other)), ["11"]);
    assert_eq!(found("100%", None), ["10"]);
    assert_eq!(found("0%", None), ["10"]);
    assert_eq!(found("OFF_T", None), ["10"]);
    assert!(found("SALE_100", None).is_empty(), "`_` is not a wildcard (it would match `SALE 100`)");
    assert!(found("SALE%OFF", None).is_empty(), "`%` is not a wildcard");
}

#[test]
fn a_new_dictionary_categorizes_new_rows_and_leaves_stored_ones_alone() {
    let (dir, engine) = passphrase_vault();
    import(&engine, statement("B-1", 2, -450, "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA"));
    import(&engine, statement("B-2", 3, -450, "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA"));
    let rows = all(&engine);
    assert!(rows.iter().all(|t| t.category.as_deref() == Some("FOOD_COFFEE")));
    engine.set_category(rows[0].id, "SHOPPING").unwrap(); // the user's override
    engine.lock().unwrap();
    drop(engine);

    // An updated dictionary that files this seller elsewhere.
    let dictionary: &'static spearmint_core::Dictionary = Box::leak(Box::new(
        spearmint_core::Dictionary::parse(
            "blue bottle coffee\tENTERTAINMENT\t\n",
            include_str!("../../../core/data/mcc.tsv"),
        )
        .unwrap(),
    ));
    let engine = Engine::new(EngineOptions { dictionary, ..crate::common::test_options(dir.path()) }).unwrap();
    engine.unlock(spearmint_engine::Unlock::Passphrase(passphrase())).unwrap();
    import(&engine, statement("B-2", 3, -450, "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA")); // a re-import
    let before: Vec<_> = rows.iter().map(|t| t.id).collect();
    for t in all(&engine).into_iter().filter(|t| before.contains(&t.id)) {
        let expected = if t.id == rows[0].id { "SHOPPING" } else { "FOOD_COFFEE" };
        assert_eq!(t.category.as_deref(), Some(expected), "a stored row kept its category");
    }
    import(&engine, statement("B-3", 4, -450, "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA"));
    let new = all(&engine).into_iter().find(|t| !before.contains(&t.id)).unwrap();
    assert_eq!((new.category.as_deref(), new.category_source.as_deref()), (Some("ENTERTAINMENT"), Some("dictionary")));
}
