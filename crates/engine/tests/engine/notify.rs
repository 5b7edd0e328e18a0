//! Budget alerts reach the desktop for real: this test owns `org.freedesktop.Notifications` on
//! the session bus (the private one `cargo xtask test` starts), records every `Notify` call,
//! and the engine delivers through notify-rust over D-Bus. Each alert is sent once, ever.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use spearmint_core::{Currency, Money};
use spearmint_engine::{DeliveryError, DesktopNotifier, NewTransaction, Notification, Notifier};

use crate::common::{self, checking, passphrase_vault, require_session_bus};

type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

struct Recorder {
    seen: Seen,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut seen = self.seen.lock().unwrap();
        seen.push((app_name, summary, body));
        seen.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("spearmint-test-recorder".into(), "spearmint".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

struct Failing;

impl Notifier for Failing {
    fn deliver(&self, _: &Notification) -> Result<(), DeliveryError> {
        Err(DeliveryError::new("no notification server"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overspent_budget_notifies_once_on_the_real_session_bus() {
    require_session_bus();
    let seen: Seen = Arc::default();
    let _server = zbus::connection::Builder::session()
        .name("org.freedesktop.Notifications")
        .serve_at("/org/freedesktop/Notifications", Recorder { seen: seen.clone() })
        .build()
        .await
        .expect("own org.freedesktop.Notifications on the session bus");

    let (_dir, engine) = passphrase_vault();
    let account = checking(&engine);
    let today = Utc::now().date_naive();
    let month = today.format("%Y-%m").to_string();
    let id = engine
        .add_transaction(NewTransaction {
            account,
            posted_on: today,
            amount: Money::parse("-150.00", Currency::USD).unwrap(),
            seller: "WHOLE FOODS MARKET".into(),
            memo: None,
        })
        .unwrap();
    engine.set_category(id, "FOOD_GROCERIES").unwrap();
    engine.set_budget("FOOD", Money::parse("100", Currency::USD).unwrap(), &month, false).unwrap();

    // Two thresholds crossed at once (80% and 100%): one alert, the highest.
    let outbox = engine.notifications().unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].summary, "Food & Dining is over budget");
    // A failed delivery stays pending.
    assert_eq!(engine.deliver_notifications(&Failing).unwrap(), 0);
    assert!(engine.notifications().unwrap().iter().all(|n| n.delivered_at.is_none() && n.attempts == 1));

    assert_eq!(engine.deliver_notifications(&DesktopNotifier).unwrap(), 1);
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got.iter().all(|(app, _, _)| app == "Spearmint"));
    assert!(got.iter().any(|(_, summary, _)| summary == "Food & Dining is over budget"), "{got:?}");
    // The OS keeps notifications outside the vault: no amount reaches it.
    assert!(got.iter().all(|(_, _, body)| !body.contains("150") && !body.contains("100")), "{got:?}");
    assert!(got.iter().all(|(_, _, body)| body.contains("Open Spearmint")), "{got:?}");
    // The app's own list, in the vault, keeps the amounts.
    assert!(engine.notifications().unwrap().iter().any(|n| n.body.contains("150.00")));

    // Checking again, recategorizing back and forth, and delivering again send nothing new.
    engine.check_recent_budgets().unwrap();
    engine.set_category(id, "SHOPPING").unwrap();
    engine.set_category(id, "FOOD_GROCERIES").unwrap();
    assert_eq!(engine.deliver_notifications(&DesktopNotifier).unwrap(), 0);
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(engine.notifications().unwrap().len(), 1);

    // More grocery spending arrives through an import, then the same import runs again: the
    // thresholds were already announced this month, so nothing new goes out.
    let when = today.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
    let statement = serde_json::json!({ "errors": [], "accounts": [{
        "org": { "domain": "bank.example" }, "id": "CARD-1", "name": "Card", "currency": "USD",
        "balance": "0.00", "balance-date": when,
        "transactions": [{ "id": "G-1", "posted": when, "amount": "-35.10", "description": "WHOLE FOODS MARKET #10234" }]
    }]})
    .to_string()
    .into_bytes();
    for _ in 0..2 {
        common::import(&engine, "card.json", statement.clone());
        assert_eq!(engine.deliver_notifications(&DesktopNotifier).unwrap(), 0);
    }
    let food = engine.budget(&month).unwrap().lines.into_iter().find(|l| l.category == "FOOD").unwrap();
    assert_eq!(food.spent, Money::parse("185.10", Currency::USD).unwrap(), "the import did count");
    assert_eq!(seen.lock().unwrap().len(), 1);
}
