//! What a running bank remembers: its clock, its books for today, the SimpleFIN tokens and
//! credentials it handed out, and its request counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{Days, NaiveDate};

use crate::faults::Faults;
use crate::ledger::{Ledger, Persona, hash, label};
use crate::{BankConfig, OfxLogin};

pub(crate) struct Shared {
    pub config: BankConfig,
    pub persona: Persona,
    /// The first day of the bank's books (`today - history_days` at start).
    pub opened: NaiveDate,
    pub base_url: String,
    pub login: OfxLogin,
    pub faults: Faults,
    pub simplefin: Mutex<SimplefinState>,
    pub ofx_usage: Mutex<Usage>,
    today: Mutex<NaiveDate>,
    ledger: Mutex<Option<Arc<Ledger>>>,
    requests: AtomicU64,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: AtomicU64,
    most_in_flight: AtomicU64,
    per_path: Mutex<BTreeMap<String, u64>>,
    minted: AtomicU64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("base_url", &self.base_url).field("today", &self.today()).finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
pub(crate) struct SimplefinState {
    /// Setup token id -> claimed.
    pub setup_tokens: HashMap<String, bool>,
    /// Access URL username -> credential.
    pub credentials: HashMap<String, Credential>,
}

#[derive(Debug)]
pub(crate) struct Credential {
    pub password: String,
    pub disabled: bool,
    pub usage: Usage,
}

/// Requests made on one bank day.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Usage {
    day: NaiveDate,
    count: u32,
}

impl Usage {
    pub fn new(day: NaiveDate) -> Usage {
        Usage { day, count: 0 }
    }

    /// Counts one more request on `today` and returns the day's total.
    pub fn hit(&mut self, today: NaiveDate) -> u32 {
        if self.day != today {
            *self = Usage::new(today);
        }
        self.count += 1;
        self.count
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one handler must not take the whole bank down with a poisoned lock.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(config: BankConfig, base_url: String) -> Shared {
        let persona = Persona::new(config.seed);
        let opened = config.today.checked_sub_days(Days::new(u64::from(config.history_days))).unwrap_or(config.today);
        let login = OfxLogin {
            org: "SANDBOX".to_owned(),
            fid: "9999".to_owned(),
            bank_id: "999999999".to_owned(),
            user: "sandbox".to_owned(),
            password: format!("pw-{:08x}", hash(&[config.seed, label("ofx password")]) & 0xFFFF_FFFF),
        };
        Shared {
            persona,
            opened,
            base_url,
            login,
            faults: Faults::default(),
            simplefin: Mutex::new(SimplefinState::default()),
            ofx_usage: Mutex::new(Usage::new(config.today)),
            today: Mutex::new(config.today),
            ledger: Mutex::new(None),
            requests: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            most_in_flight: AtomicU64::new(0),
            per_path: Mutex::new(BTreeMap::new()),
            minted: AtomicU64::new(0),
            config,
        }
    }

    pub fn today(&self) -> NaiveDate {
        *lock(&self.today)
    }

    pub fn advance_days(&self, n: u32) {
        let mut today = lock(&self.today);
        *today = today.checked_add_days(Days::new(u64::from(n))).unwrap_or(*today);
    }

    /// The books as of today, built once per bank day.
    pub fn ledger(&self) -> Arc<Ledger> {
        let today = self.today();
        let mut cache = lock(&self.ledger);
        match cache.as_ref() {
            Some(ledger) if ledger.today == today => Arc::clone(ledger),
            _ => {
                let ledger = Arc::new(Ledger::build(&self.persona, self.opened, today));
                *cache = Some(Arc::clone(&ledger));
                ledger
            }
        }
    }

    pub fn count_request(&self, route: &str) {
        self.requests.fetch_add(1, Ordering::SeqCst);
        *lock(&self.per_path).entry(route.to_owned()).or_default() += 1;
    }

    /// A request begins; `finished` must follow.
    pub fn started(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
    }

    pub fn finished(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn most_in_flight(&self) -> u64 {
        self.most_in_flight.load(Ordering::SeqCst)
    }

    pub fn requests_served(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn requests_to(&self, route: &str) -> u64 {
        lock(&self.per_path).get(route).copied().unwrap_or(0)
    }

    /// A fresh secret: unpredictable enough for a sandbox (the clock and a counter mixed with
    /// the seed), and never repeated within one bank.
    pub fn mint_secret(&self) -> String {
        let n = self.minted.fetch_add(1, Ordering::SeqCst);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        let a = hash(&[self.config.seed, n, nanos as u64, label(&self.base_url)]);
        let b = hash(&[a, n, label("secret")]);
        format!("{a:016x}{b:016x}")
    }
}
