//! The bank's books: a customer with a checking account, a savings account and a credit card,
//! and everything that happens to them, generated deterministically.
//!
//! Each calendar day's events are a pure function of the seed and that date (never of the
//! bank's "today" or of when the bank started), so a transaction keeps its id across requests,
//! restarts and `advance_days`. "Today" only decides what is visible: an event whose posting
//! date is still ahead is shown as pending, under its pending id and short descriptor; once the
//! posting date arrives the pending row disappears and the posted row appears under a new,
//! unrelated id, as real card issuers do.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use spearmint_core::{AccountKind, Currency, Money};

use crate::merchant::{self, Merchant};
use crate::{TruthAccount, TruthTransaction};

/// SplitMix64's finalizer: a fast, well-mixed, stable 64-bit hash step.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a list of words. Stable across platforms and Rust versions (unlike `std`'s hasher),
/// which is what keeps ids stable.
pub(crate) fn hash(parts: &[u64]) -> u64 {
    parts.iter().fold(0x243F_6A88_85A3_08D3, |h, &p| mix(h ^ mix(p.wrapping_add(0x9E37_79B9_7F4A_7C15))))
}

/// FNV-1a, to turn a label into a hash word.
pub(crate) fn label(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3))
}

fn day_key(date: NaiveDate) -> u64 {
    // Days from the common era are positive for every date the bank uses.
    u64::try_from(date.num_days_from_ce()).unwrap_or_default()
}

/// A tiny deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(key: u64) -> Rng {
        Rng(key)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (the modulo bias is far below anything a test could see).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high - low).unwrap_or(0) + 1;
        low + i64::try_from(self.below(span)).unwrap_or(0)
    }

    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let len = u64::try_from(items.len()).unwrap_or(1);
        &items[usize::try_from(self.below(len)).unwrap_or(0)]
    }

    pub fn pick_copy<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    /// An order reference like `2K4HJ7`.
    pub fn code(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        (0..len).map(|_| char::from(*self.pick(ALPHABET))).collect()
    }
}

/// The three accounts of the sandbox customer, in the order every listing uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Role {
    Checking,
    Savings,
    Card,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Checking, Role::Savings, Role::Card];

    fn index(self) -> usize {
        match self {
            Role::Checking => 0,
            Role::Savings => 1,
            Role::Card => 2,
        }
    }

    pub fn kind(self) -> AccountKind {
        match self {
            Role::Checking => AccountKind::Checking,
            Role::Savings => AccountKind::Savings,
            Role::Card => AccountKind::CreditCard,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Role::Checking => "Everyday Checking",
            Role::Savings => "High Yield Savings",
            Role::Card => "Sandbox Rewards Visa",
        }
    }
}

/// What kind of movement a transaction is: OFX's TRNTYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    DirectDeposit,
    Payment,
    Debit,
    Pos,
    Atm,
    Check,
    Transfer,
    Credit,
    Interest,
}

impl Kind {
    pub fn ofx_trntype(self) -> &'static str {
        match self {
            Kind::DirectDeposit => "DIRECTDEP",
            Kind::Payment => "PAYMENT",
            Kind::Debit => "DEBIT",
            Kind::Pos => "POS",
            Kind::Atm => "ATM",
            Kind::Check => "CHECK",
            Kind::Transfer => "XFER",
            Kind::Credit => "CREDIT",
            Kind::Interest => "INT",
        }
    }
}

/// Who the customer is: everything about them that does not change from day to day.
#[derive(Debug, Clone)]
pub(crate) struct Persona {
    seed: u64,
    ids: [String; 3],
    salary: i64,
    rent: i64,
    to_savings: i64,
    employer: &'static str,
    employer_id: u64,
    holder: &'static str,
    landlord: &'static str,
    opening: [i64; 3],
    card_limit: i64,
}

impl Persona {
    pub fn new(seed: u64) -> Persona {
        let mut rng = Rng::new(hash(&[seed, label("persona")]));
        let checking = format!("{:010}", rng.below(10_000_000_000));
        let savings = format!("{:010}", rng.below(10_000_000_000));
        let card = format!("4{:015}", rng.below(1_000_000_000_000_000));
        Persona {
            seed,
            ids: [checking, savings, card],
            salary: rng.range(310_000, 390_000),
            rent: rng.range(72, 104) * 2500,
            to_savings: rng.range(4, 16) * 5000,
            employer: rng.pick_copy(merchant::EMPLOYERS),
            employer_id: rng.range(1_000_000_000, 9_999_999_999).unsigned_abs(),
            holder: rng.pick_copy(merchant::HOLDERS),
            landlord: rng.pick_copy(merchant::LANDLORDS),
            opening: [rng.range(250_000, 650_000), rng.range(800_000, 2_500_000), -rng.range(30_000, 150_000)],
            card_limit: rng.range(8, 25) * 100_000,
        }
    }

    pub fn account_id(&self, role: Role) -> &str {
        &self.ids[role.index()]
    }

    fn last4(&self, role: Role) -> &str {
        let id = self.account_id(role);
        &id[id.len() - 4..]
    }

    /// The transaction id the bank gives an event, posted or pending. The two are independent
    /// hashes: nothing in a posted id points back to its pending twin.
    fn transaction_id(&self, event: &Event, pending: bool) -> String {
        let salt = label(if pending { "pending" } else { "posted" });
        let h = hash(&[self.seed, event.role.index() as u64, day_key(event.transacted), u64::from(event.seq), salt]);
        format!("TRN-{h:016X}")
    }
}

/// Something that happens to one account on one day.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub role: Role,
    /// Its place among the day's events: with the date and the account, what makes its id.
    pub seq: u32,
    pub transacted: NaiveDate,
    pub posts_on: NaiveDate,
    pub amount: i64,
    pub description: String,
    pub pending_description: String,
    pub payee: Option<String>,
    pub mcc: Option<u16>,
    pub kind: Kind,
    pub check_number: Option<u32>,
}

struct Day {
    date: NaiveDate,
    seq: u32,
    events: Vec<Event>,
}

impl Day {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        role: Role,
        delay: u64,
        amount: i64,
        description: String,
        pending_description: String,
        payee: Option<&str>,
        mcc: Option<u16>,
        kind: Kind,
    ) -> &mut Event {
        let posts_on = self.date.checked_add_days(Days::new(delay)).unwrap_or(self.date);
        self.events.push(Event {
            role,
            seq: self.seq,
            transacted: self.date,
            posts_on,
            amount,
            description,
            pending_description,
            payee: payee.map(str::to_owned),
            mcc,
            kind,
            check_number: None,
        });
        self.seq += 1;
        self.events.last_mut().expect("just pushed")
    }

    /// Money that moves at once (ACH, transfers, checks): no pending stage.
    fn settled(&mut self, role: Role, amount: i64, description: String, kind: Kind) -> &mut Event {
        self.push(role, 0, amount, description.clone(), description, None, None, kind)
    }

    fn card_purchase(&mut self, rng: &mut Rng, merchant: &Merchant, delay: u64) {
        let amount = -rng.range(merchant.low, merchant.high);
        let full = merchant.full.replace("{code}", &rng.code(6));
        let kind = Kind::Debit;
        self.push(
            Role::Card,
            delay,
            amount,
            full,
            merchant.short.to_owned(),
            Some(merchant.payee),
            Some(merchant.mcc),
            kind,
        );
    }

    fn debit_card_purchase(&mut self, rng: &mut Rng, merchant: &Merchant) {
        let amount = -rng.range(merchant.low, merchant.high);
        let mmdd = format!("{:02}{:02}", self.date.month(), self.date.day());
        let full = merchant.full.replace("{code}", &rng.code(6));
        let posted = if rng.chance(500) {
            format!("POS DEBIT {mmdd} {}", merchant.short)
        } else {
            format!("CHECKCARD {mmdd} {full}")
        };
        let delay = if rng.chance(700) { 1 } else { 2 };
        let (short, payee, mcc) = (merchant.short.to_owned(), Some(merchant.payee), Some(merchant.mcc));
        self.push(Role::Checking, delay, amount, posted, short, payee, mcc, Kind::Pos);
    }
}

fn card_delay(rng: &mut Rng) -> u64 {
    match rng.below(100) {
        0..55 => 1,
        55..90 => 2,
        _ => 3,
    }
}

pub(crate) fn last_day_of_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 { (date.year() + 1, 1) } else { (date.year(), date.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).unwrap_or(date)
}

/// Paydays are the 15th and the last day of the month, moved back to Friday at weekends.
fn is_payday(date: NaiveDate) -> bool {
    let nominal = [date.with_day(15), Some(last_day_of_month(date))];
    nominal.into_iter().flatten().any(|d| {
        let back = match d.weekday() {
            Weekday::Sat => 1,
            Weekday::Sun => 2,
            _ => 0,
        };
        d.checked_sub_days(Days::new(back)) == Some(date)
    })
}

/// Every event of one calendar day. `with_card_payment` is false only when computing what the
/// card was charged in a month, which the autopay of the 22nd then pays.
pub(crate) fn day_events(persona: &Persona, date: NaiveDate, with_card_payment: bool) -> Vec<Event> {
    let mut day = Day { date, seq: 0, events: Vec::new() };
    let p = persona;
    let mut rng = Rng::new(hash(&[p.seed, day_key(date), label("day")]));
    let mmdd = format!("{:02}{:02}", date.month(), date.day());

    if date.day() == 1 {
        let conf = rng.code(8);
        let text = format!("ZELLE PAYMENT TO {} CONF# {conf}", p.landlord);
        day.settled(Role::Checking, -p.rent, text, Kind::Payment).payee = Some(p.landlord.to_owned());
    }
    if is_payday(date) {
        let text = format!(
            "{} DES:PAYROLL ID:{:06} INDN:{} CO ID:{} PPD",
            p.employer,
            rng.below(1_000_000),
            p.holder,
            p.employer_id
        );
        day.settled(Role::Checking, p.salary, text, Kind::DirectDeposit);
    }
    if date.day() == 8 {
        let text = "COMCAST CALIFORNIA DES:WEB PYMT ID:XXXXX7712 INDN:".to_owned() + p.holder + " WEB";
        day.settled(Role::Checking, -8999, text, Kind::Debit).mcc = Some(4899);
    }
    if date.day() == 10 {
        let months = (date.year() - 2000) * 12 + i32::try_from(date.month()).unwrap_or(0);
        let number = 1000 + u32::try_from(months).unwrap_or(0);
        let amount = -rng.range(120, 420) * 100;
        let event = day.settled(Role::Checking, amount, format!("CHECK {number}"), Kind::Check);
        event.check_number = Some(number);
    }
    if date.day() == 16 {
        // A transfer between the customer's own accounts: both sides, same day, same amount.
        let reference = rng.code(10);
        let out = format!("ONLINE TRANSFER TO SAV ...{} REF #IB{reference}", p.last4(Role::Savings));
        let into = format!("ONLINE TRANSFER FROM CHK ...{} REF #IB{reference}", p.last4(Role::Checking));
        day.settled(Role::Checking, -p.to_savings, out, Kind::Transfer);
        day.settled(Role::Savings, p.to_savings, into, Kind::Transfer);
    }
    if date.day() == 19 {
        let amount = -rng.range(6500, 21000);
        let text = format!("PGANDE DES:WEB ONLINE ID:XXXXX49263 INDN:{} CO ID:XXXXX41660 WEB", p.holder);
        day.settled(Role::Checking, amount, text, Kind::Debit).mcc = Some(4900);
    }
    if with_card_payment && date.day() == 22 {
        let charged: i64 = month_days(previous_month(date))
            .flat_map(|d| day_events(p, d, false))
            .filter(|e| e.role == Role::Card)
            .map(|e| e.amount)
            .sum();
        if charged < 0 {
            let text = format!("SANDBOX VISA AUTOPAY ...{} ONLINE PMT", p.last4(Role::Card));
            day.settled(Role::Checking, charged, text, Kind::Payment);
            day.settled(Role::Card, -charged, "AUTOPAY PAYMENT - THANK YOU".to_owned(), Kind::Credit);
        }
    }
    if date == last_day_of_month(date) {
        let amount = rng.range(300, 1200);
        day.settled(Role::Savings, amount, "INTEREST PAYMENT".to_owned(), Kind::Interest);
    }
    for (dom, sub) in merchant::SUBSCRIPTIONS {
        if date.day() == *dom {
            day.card_purchase(&mut rng, sub, 1);
        }
    }

    for habit in merchant::HABITS {
        if rng.chance(habit.per_mille) {
            let merchant = *rng.pick(habit.merchants);
            if rng.chance(habit.on_card_per_mille) {
                let delay = card_delay(&mut rng);
                day.card_purchase(&mut rng, &merchant, delay);
            } else {
                day.debit_card_purchase(&mut rng, &merchant);
            }
        }
    }
    if rng.chance(60) {
        // Two identical fares on one day: two real purchases that must both stay.
        let delay = card_delay(&mut rng);
        let fare = merchant::TRANSIT;
        day.card_purchase(&mut rng, &fare, delay);
        let last = day.events.last().cloned().expect("just pushed");
        let twin = day.push(
            Role::Card,
            delay,
            last.amount,
            last.description,
            last.pending_description,
            None,
            None,
            Kind::Debit,
        );
        twin.payee = last.payee;
        twin.mcc = last.mcc;
    }
    if rng.chance(30) {
        let amount = -rng.range(2, 10) * 2000;
        let text = format!("ATM WITHDRAWAL {:06} {mmdd} 2000 BROADWAY OAKLAND CA", rng.below(1_000_000));
        day.settled(Role::Checking, amount, text, Kind::Atm).mcc = Some(6011);
    }
    if rng.chance(30) {
        let merchant = *rng.pick(merchant::REFUNDS);
        let amount = rng.range(1000, 8000);
        let text = merchant.full.replace("{code}", &rng.code(6));
        let event = day.settled(Role::Card, amount, text, Kind::Credit);
        event.payee = Some(merchant.payee.to_owned());
        event.mcc = Some(merchant.mcc);
    }
    day.events
}

fn previous_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(date)
}

fn month_days(any_day: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let first = any_day.with_day(1).unwrap_or(any_day);
    let last = last_day_of_month(any_day);
    first.iter_days().take_while(move |d| *d <= last)
}

/// One row as the bank shows it today, with what OFX needs besides the public truth.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub tx: TruthTransaction,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) struct Book {
    pub role: Role,
    pub id: String,
    pub name: &'static str,
    pub balance: i64,
    pub available: i64,
    pub entries: Vec<Entry>,
}

/// What the bank shows on one day: every account with its rows since the bank opened its
/// books, posted rows by posting date and pending rows by transaction date.
#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    pub today: NaiveDate,
    pub books: Vec<Book>,
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

impl Ledger {
    pub fn build(persona: &Persona, opened: NaiveDate, today: NaiveDate) -> Ledger {
        let mut books: Vec<Book> = Role::ALL
            .into_iter()
            .map(|role| Book {
                role,
                id: persona.account_id(role).to_owned(),
                name: role.name(),
                balance: persona.opening[role.index()],
                available: 0,
                entries: Vec::new(),
            })
            .collect();
        let mut pending_total = [0i64; 3];
        for date in opened.iter_days().take_while(|d| *d <= today) {
            for event in day_events(persona, date, true) {
                let pending = event.posts_on > today;
                let book = &mut books[event.role.index()];
                if pending {
                    pending_total[event.role.index()] += event.amount;
                } else {
                    book.balance += event.amount;
                }
                let tx = TruthTransaction {
                    id: persona.transaction_id(&event, pending),
                    posted_on: if pending { event.transacted } else { event.posts_on },
                    transacted_on: event.transacted,
                    pending,
                    amount: usd(event.amount),
                    description: if pending { event.pending_description } else { event.description },
                    payee: event.payee,
                    mcc: event.mcc,
                    check_number: event.check_number.map(|n| n.to_string()),
                };
                book.entries.push(Entry { tx, kind: event.kind });
            }
        }
        for book in &mut books {
            // Posted rows by posting date; a stable sort keeps each day's order.
            book.entries.sort_by_key(|e| e.tx.posted_on);
            let pending = pending_total[book.role.index()];
            book.available = match book.role {
                Role::Checking => book.balance + pending,
                Role::Savings => book.balance,
                Role::Card => persona.card_limit + book.balance + pending,
            };
        }
        Ledger { today, books }
    }

    pub fn book(&self, account_id: &str) -> Option<&Book> {
        self.books.iter().find(|b| b.id == account_id)
    }

    pub fn truth(&self) -> Vec<TruthAccount> {
        self.books
            .iter()
            .map(|b| TruthAccount {
                id: b.id.clone(),
                name: b.name.to_owned(),
                kind: b.role.kind(),
                currency: Currency::USD,
                balance: usd(b.balance),
                available_balance: usd(b.available),
                balance_on: self.today,
                transactions: b.entries.iter().map(|e| e.tx.clone()).collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paydays_move_back_to_friday() {
        // 2026-11-15 is a Sunday: paid on Friday the 13th; 2026-11-30 is a Monday.
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).expect("date");
        assert!(is_payday(d(13)));
        assert!(!is_payday(d(15)));
        assert!(is_payday(d(30)));
    }
}
