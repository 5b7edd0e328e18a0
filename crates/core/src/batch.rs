//! The seed's SpendingByCategory job over transaction logs, pure: parsing the seed's log lines
//! (`user_id<TAB>timestamp<TAB>seller<TAB>amount`, positive = spent), categorizing by the seed's
//! seller map (and, when asked, Spearmint's own categorizer for the sellers it lacks), summing
//! per (user, month, category) in integer cents, and writing the normalized result: lines
//! `user<TAB>YYYY-MM<TAB>CATEGORY<TAB>total`, in byte order, totals with exactly two decimals.
//!
//! The engine's `batch` module feeds it chunks of whole lines from several threads; each
//! thread keeps its own [`Spending`], and [`merge`] combines them. Memory grows with the number
//! of distinct users, sellers and groups, never with the number of lines.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use foldhash::fast::FixedState;

use crate::budget;
use crate::categorize::{CATEGORY_IDS, Categorizer, Input, NoCrowd};
use crate::id::AccountId;
use crate::money::{Currency, Money};
use crate::seller::Dictionary;

/// What a seller the map does not know, and no categorizer placed, counts as.
pub const UNCATEGORIZED: &str = "UNCATEGORIZED";

/// Integer part digits an amount may have: any sum of up to 90,000 such amounts fits an i64 of
/// cents, and a larger sum is refused, never wrapped.
const MAX_WHOLE_DIGITS: usize = 15;

type Map<K, V> = HashMap<K, V, FixedState>;

fn map<K, V>() -> Map<K, V> {
    HashMap::with_hasher(FixedState::default())
}

/// Why a line cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Not four tab-separated fields (how many there were).
    Fields(usize),
    /// The timestamp does not start with `YYYY-MM`.
    Timestamp,
    /// The amount is not a decimal with at most two places (`12.34`, `-3.5`, `7`).
    Amount,
    /// A total no longer fits in 64 bits of cents.
    TooLarge,
    /// A category name in the seller map is empty or holds a tab.
    Category,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Fields(n) => write!(f, "expected 4 fields separated by tabs, found {n}"),
            Problem::Timestamp => f.write_str("the timestamp does not start with a year and month (YYYY-MM)"),
            Problem::Amount => {
                f.write_str("the amount is not a number with at most two decimal places (like 12.34 or -3.50)")
            }
            Problem::TooLarge => f.write_str("a total is too large to add up exactly"),
            Problem::Category => f.write_str("expected seller<TAB>CATEGORY"),
        }
    }
}

/// A problem and the line it is on (counted from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadLine {
    pub line: u64,
    pub problem: Problem,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// A month as `year * 12 + month - 1`: ordered like its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(u32);

impl Month {
    /// Reads the `YYYY-MM` a timestamp starts with.
    pub fn parse(text: &[u8]) -> Option<Month> {
        let t = text.get(..7)?;
        if t[4] != b'-' || !t[..4].iter().chain(&t[5..7]).all(u8::is_ascii_digit) {
            return None;
        }
        let digit = |i: usize| u32::from(t[i] - b'0');
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
        let month = digit(5) * 10 + digit(6);
        (1..=12).contains(&month).then_some(Month(year * 12 + month - 1))
    }

    pub fn from_date(date: chrono::NaiveDate) -> Month {
        use chrono::Datelike as _;
        Month(u32::try_from(date.year()).unwrap_or(0) * 12 + date.month0())
    }

    fn write(self, out: &mut Vec<u8>) {
        let (year, month) = (self.0 / 12, self.0 % 12 + 1);
        for d in [year / 1000 % 10, year / 100 % 10, year / 10 % 10, year % 10] {
            out.push(b'0' + d as u8);
        }
        out.extend_from_slice(&[b'-', b'0' + (month / 10) as u8, b'0' + (month % 10) as u8]);
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::with_capacity(7);
        self.write(&mut out);
        f.write_str(std::str::from_utf8(&out).unwrap_or_default())
    }
}

/// Reads an amount as cents: an optional sign, digits, and at most two decimals.
pub fn parse_cents(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = match memchr::memchr(b'.', digits) {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    if whole.is_empty() && fraction.is_empty()
        || whole.len() > MAX_WHOLE_DIGITS
        || fraction.len() > 2
        || !whole.iter().chain(fraction).all(u8::is_ascii_digit)
    {
        return None;
    }
    let mut cents = whole.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    for i in 0..2 {
        cents = cents * 10 + fraction.get(i).map_or(0, |d| i64::from(d - b'0'));
    }
    Some(if negative { -cents } else { cents })
}

/// Writes cents as the normalized total: `-3.50`, `0.00`, `199999999.98`.
pub fn write_cents(cents: i64, out: &mut Vec<u8>) {
    let abs = cents.unsigned_abs();
    if cents < 0 {
        out.push(b'-');
    }
    let mut digits = [0u8; 20];
    let mut n = abs / 100;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    let fraction = abs % 100;
    out.extend_from_slice(&[b'.', b'0' + (fraction / 10) as u8, b'0' + (fraction % 10) as u8]);
}

/// Byte order of `a` and `b` as fields of a line: each followed by a tab, so that `1` sorts
/// before `10` exactly as the lines `1<TAB>...` and `10<TAB>...` do.
fn field_order(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        Ordering::Equal => {
            let next = |s: &[u8]| s.get(n).copied().unwrap_or(b'\t');
            next(a).cmp(&next(b)).then(a.len().cmp(&b.len()))
        }
        other => other,
    }
}

/// The seed's seller-to-category map, and the categories it and Spearmint's own categorizer
/// can give.
#[derive(Debug)]
pub struct SellerMap {
    sellers: Map<Box<[u8]>, u16>,
    names: Vec<Box<str>>,
    /// Whether sellers the map lacks go through Spearmint's own categorizer.
    builtin: bool,
    /// Each category's place in byte order.
    rank: Vec<u16>,
}

impl SellerMap {
    /// Reads `seller<TAB>CATEGORY` lines (blank lines are ignored; the last line for a seller
    /// wins, as a dictionary built from the file would).
    pub fn parse(text: &[u8]) -> Result<SellerMap, BadLine> {
        let mut map = SellerMap { sellers: map(), names: Vec::new(), builtin: false, rank: Vec::new() };
        map.category(UNCATEGORIZED);
        for (i, line) in text.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let bad = |problem| BadLine { line: i as u64 + 1, problem };
            let tab = memchr::memchr(b'\t', line).ok_or(bad(Problem::Fields(1)))?;
            let category = std::str::from_utf8(&line[tab + 1..]).map_err(|_| bad(Problem::Category))?;
            if category.is_empty() || category.contains('\t') {
                return Err(bad(Problem::Category));
            }
            let id = map.category(category);
            map.sellers.insert(line[..tab].into(), id);
        }
        map.rank_categories();
        Ok(map)
    }

    /// Also categorizes the sellers the map lacks with Spearmint's normalization, dictionary,
    /// lexicon and model, so real bank descriptors (`CHECKCARD 1202 SAFEWAY #1205`) count too.
    pub fn with_builtin(mut self) -> SellerMap {
        for id in CATEGORY_IDS {
            self.category(id);
        }
        self.builtin = true;
        self.rank_categories();
        self
    }

    pub fn len(&self) -> usize {
        self.sellers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sellers.is_empty()
    }

    fn category(&mut self, name: &str) -> u16 {
        if let Some(i) = self.names.iter().position(|n| &**n == name) {
            return i as u16;
        }
        self.names.push(name.into());
        (self.names.len() - 1) as u16
    }

    fn rank_categories(&mut self) {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|a, b| field_order(self.names[*a].as_bytes(), self.names[*b].as_bytes()));
        self.rank = vec![0; self.names.len()];
        for (rank, id) in order.into_iter().enumerate() {
            self.rank[id] = rank as u16;
        }
    }

    fn name(&self, id: u16) -> &str {
        &self.names[usize::from(id)]
    }

    /// The category id of a seller, or `None` when the map lacks it.
    fn get(&self, seller: &[u8]) -> Option<u16> {
        self.sellers.get(seller).copied()
    }

    /// What Spearmint's own categorizer makes of a seller the map lacks.
    fn guess(&self, seller: &[u8], cents: i64) -> u16 {
        let Ok(descriptor) = std::str::from_utf8(seller) else {
            return 0;
        };
        let usd = Currency::new("USD").expect("USD is a currency");
        let categorizer = Categorizer::new(&[], Dictionary::builtin(), &NoCrowd);
        let decision = categorizer.categorize(&Input {
            descriptor,
            // The log's positive amounts are money spent; the categorizer's are money in.
            amount: Money::from_minor(-cents, usd),
            account: AccountId::from_uuid(uuid::Uuid::nil()),
            mcc: None,
        });
        let name = decision.category.as_str();
        self.names.iter().position(|n| &**n == name).map_or(0, |i| i as u16)
    }
}

/// One log line's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub user: &'a [u8],
    pub month: Month,
    pub seller: &'a [u8],
    pub cents: i64,
}

/// Splits one log line (without its newline) into its fields.
pub fn parse_line(line: &[u8]) -> Result<Fields<'_>, Problem> {
    let fields = |line: &[u8]| line.iter().filter(|b| **b == b'\t').count() + 1;
    let t1 = memchr::memchr(b'\t', line).ok_or(Problem::Fields(1))?;
    let rest = &line[t1 + 1..];
    let t2 = memchr::memchr(b'\t', rest).ok_or(Problem::Fields(2))?;
    let timestamp = &rest[..t2];
    let rest = &rest[t2 + 1..];
    let t3 = memchr::memchr(b'\t', rest).ok_or(Problem::Fields(3))?;
    let seller = &rest[..t3];
    let amount = &rest[t3 + 1..];
    let month = Month::parse(timestamp).ok_or(Problem::Timestamp)?;
    let cents = match parse_cents(amount) {
        Some(cents) => cents,
        None if amount.contains(&b'\t') => return Err(Problem::Fields(fields(line))),
        None => return Err(Problem::Amount),
    };
    Ok(Fields { user: &line[..t1], month, seller, cents })
}

/// The lines of a chunk, each without its `\n` (and `\r`).
fn lines(chunk: &[u8]) -> impl Iterator<Item = &[u8]> {
    let chunk = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    let mut rest = Some(chunk);
    std::iter::from_fn(move || {
        let text = rest?;
        let (line, next) = match memchr::memchr(b'\n', text) {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        rest = next;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
    .filter(|_| !chunk.is_empty())
}

/// Group keys pack a user's index (high 32 bits), the month (20 bits) and the category (12).
fn key(user: u32, month: Month, category: u16) -> u64 {
    (u64::from(user) << 32) | (u64::from(month.0 & 0xF_FFFF) << 12) | u64::from(category & 0xFFF)
}

fn unkey(key: u64) -> (u32, Month, u16) {
    ((key >> 32) as u32, Month(((key >> 12) & 0xF_FFFF) as u32), (key & 0xFFF) as u16)
}

/// One thread's share of the job: the groups it has summed so far.
#[derive(Debug)]
pub struct Spending<'m> {
    map: &'m SellerMap,
    month: Option<Month>,
    skip_bad: bool,
    users: Map<Box<[u8]>, u32>,
    user_names: Vec<Box<[u8]>>,
    groups: Map<u64, i64>,
    /// What the built-in categorizer gave each seller the map lacks.
    guessed: Map<Box<[u8]>, u16>,
    skipped: u64,
}

/// A chunk's outcome: how many lines it held, or the first bad one (its line in the chunk).
pub type ChunkResult = Result<u64, BadLine>;

impl<'m> Spending<'m> {
    /// Sums every month, or only `month` (the seed's current-month filter).
    pub fn new(map: &'m SellerMap, month: Option<Month>, skip_bad: bool) -> Spending<'m> {
        Spending {
            map,
            month,
            skip_bad,
            users: map_new(),
            user_names: Vec::new(),
            groups: map_new(),
            guessed: map_new(),
            skipped: 0,
        }
    }

    /// Adds a chunk of whole lines. Returns how many lines it held, or the first bad line
    /// (numbered within the chunk, from 1) unless bad lines are skipped.
    pub fn add_chunk(&mut self, chunk: &[u8]) -> ChunkResult {
        let mut count = 0u64;
        for line in lines(chunk) {
            count += 1;
            if line.is_empty() {
                continue;
            }
            if let Err(problem) = self.add_line(line) {
                if self.skip_bad && problem != Problem::TooLarge {
                    self.skipped += 1;
                } else {
                    return Err(BadLine { line: count, problem });
                }
            }
        }
        Ok(count)
    }

    fn add_line(&mut self, line: &[u8]) -> Result<(), Problem> {
        let f = parse_line(line)?;
        if self.month.is_some_and(|m| m != f.month) {
            return Ok(());
        }
        let category = match self.map.get(f.seller) {
            Some(c) => c,
            None if self.map.builtin => match self.guessed.get(f.seller) {
                Some(c) => *c,
                None => {
                    let c = self.map.guess(f.seller, f.cents);
                    self.guessed.insert(f.seller.into(), c);
                    c
                }
            },
            None => 0,
        };
        let user = match self.users.get(f.user) {
            Some(u) => *u,
            None => {
                let u = self.user_names.len() as u32;
                self.users.insert(f.user.into(), u);
                self.user_names.push(f.user.into());
                u
            }
        };
        let total = self.groups.entry(key(user, f.month, category)).or_insert(0);
        *total = total.checked_add(f.cents).ok_or(Problem::TooLarge)?;
        Ok(())
    }

    /// Lines skipped as bad (with `skip_bad`).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

fn map_new<K, V>() -> Map<K, V> {
    map()
}

/// The job's result: every group's total, in the normalized result's order.
#[derive(Debug)]
pub struct Totals<'m> {
    map: &'m SellerMap,
    users: Vec<Box<[u8]>>,
    /// (user index in `users`, month, category) keys and totals, sorted.
    rows: Vec<(u64, i64)>,
    /// Rows are keyed by category rank; this maps a rank back to the category.
    by_rank: Vec<u16>,
}

/// Combines the threads' shares. Fails only when a total no longer fits.
pub fn merge<'m>(map: &'m SellerMap, parts: Vec<Spending<'m>>) -> Result<Totals<'m>, Problem> {
    let mut users: Vec<Box<[u8]>> = parts.iter().flat_map(|p| p.user_names.iter().cloned()).collect();
    users.sort_unstable_by(|a, b| field_order(a, b));
    users.dedup();
    let mut rows = Vec::with_capacity(parts.iter().map(|p| p.groups.len()).sum());
    for part in parts {
        let global: Vec<u32> = part
            .user_names
            .iter()
            .map(|name| users.binary_search_by(|u| field_order(u, name)).expect("every user was collected") as u32)
            .collect();
        rows.extend(part.groups.into_iter().map(|(k, total)| {
            let (user, month, category) = unkey(k);
            (key(global[user as usize], month, map.rank[usize::from(category)]), total)
        }));
    }
    rows.sort_unstable_by_key(|(k, _)| *k);
    let mut merged: Vec<(u64, i64)> = Vec::with_capacity(rows.len());
    for (k, total) in rows {
        match merged.last_mut() {
            Some((last, sum)) if *last == k => *sum = sum.checked_add(total).ok_or(Problem::TooLarge)?,
            _ => merged.push((k, total)),
        }
    }
    let mut by_rank = vec![0u16; map.rank.len()];
    for (id, rank) in map.rank.iter().enumerate() {
        by_rank[usize::from(*rank)] = id as u16;
    }
    Ok(Totals { map, users, rows: merged, by_rank })
}

/// One group of the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group<'a> {
    pub user: &'a [u8],
    pub month: Month,
    pub category: &'a str,
    pub cents: i64,
}

impl<'m> Totals<'m> {
    /// How many groups (lines of the result).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn group(&self, i: usize) -> Group<'_> {
        let (k, cents) = self.rows[i];
        let (user, month, rank) = unkey(k);
        Group {
            user: &self.users[user as usize],
            month,
            category: self.map.name(self.by_rank[usize::from(rank)]),
            cents,
        }
    }

    /// Appends the result's lines `from..to` to `out`.
    pub fn write_lines(&self, from: usize, to: usize, out: &mut Vec<u8>) {
        for i in from..to.min(self.rows.len()) {
            write_group(&self.group(i), out);
        }
    }
}

fn write_group(g: &Group<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(g.user);
    out.push(b'\t');
    g.month.write(out);
    out.push(b'\t');
    out.extend_from_slice(g.category.as_bytes());
    out.push(b'\t');
    write_cents(g.cents, out);
    out.push(b'\n');
}

/// The Hadoop Streaming mapper: one log line in, `user<TAB>YYYY-MM<TAB>CATEGORY<TAB>amount`
/// out (nothing for a line outside the chosen month or a blank one).
#[derive(Debug)]
pub struct Mapper<'m> {
    inner: Spending<'m>,
}

impl<'m> Mapper<'m> {
    pub fn new(map: &'m SellerMap, month: Option<Month>) -> Mapper<'m> {
        Mapper { inner: Spending::new(map, month, false) }
    }

    /// Maps one line (without its newline), appending the output line to `out`.
    pub fn map_line(&mut self, line: &[u8], out: &mut Vec<u8>) -> Result<(), Problem> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Ok(());
        }
        let f = parse_line(line)?;
        if self.inner.month.is_some_and(|m| m != f.month) {
            return Ok(());
        }
        let map = self.inner.map;
        let category = match map.get(f.seller) {
            Some(c) => c,
            None if map.builtin => {
                *self.inner.guessed.entry(f.seller.into()).or_insert_with(|| map.guess(f.seller, f.cents))
            }
            None => 0,
        };
        write_group(&Group { user: f.user, month: f.month, category: map.name(category), cents: f.cents }, out);
        Ok(())
    }
}

/// The Hadoop Streaming reducer (and combiner): `user<TAB>YYYY-MM<TAB>CATEGORY<TAB>amount`
/// lines in any order, one total per key out, in byte order. It keeps a total per key, so it
/// is right whatever the shuffle sorted on, as long as every line of a key reaches one reducer.
#[derive(Debug, Default)]
pub struct Reducer {
    totals: HashMap<Box<[u8]>, i64, FixedState>,
}

impl Reducer {
    pub fn new() -> Reducer {
        Reducer { totals: map() }
    }

    pub fn add_line(&mut self, line: &[u8]) -> Result<(), Problem> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Ok(());
        }
        let last = memchr::memrchr(b'\t', line).ok_or(Problem::Fields(1))?;
        let key = &line[..last];
        let tabs = key.iter().filter(|b| **b == b'\t').count();
        if tabs != 2 {
            return Err(Problem::Fields(tabs + 2));
        }
        let second = memchr::memchr(b'\t', key).map_or(0, |i| i + 1);
        Month::parse(&key[second..]).ok_or(Problem::Timestamp)?;
        let cents = parse_cents(&line[last + 1..]).ok_or(Problem::Amount)?;
        let total = match self.totals.get_mut(key) {
            Some(total) => total,
            None => self.totals.entry(key.into()).or_insert(0),
        };
        *total = total.checked_add(cents).ok_or(Problem::TooLarge)?;
        Ok(())
    }

    /// Every key's total, in byte order.
    pub fn finish(self) -> Vec<u8> {
        let mut rows: Vec<(Box<[u8]>, i64)> = self.totals.into_iter().collect();
        rows.sort_unstable_by(|a, b| field_order(&a.0, &b.0));
        let mut out = Vec::with_capacity(rows.len() * 32);
        for (key, cents) in rows {
            out.extend_from_slice(&key);
            out.push(b'\t');
            write_cents(cents, &mut out);
            out.push(b'\n');
        }
        out
    }
}

/// A category and its budget in cents.
type CategoryBudget = (Box<str>, i64);

/// The budgets the seed's `handle_budget_notifications` checks the totals against.
#[derive(Debug, Default)]
pub struct Budgets {
    /// The user's own budgets, per category, in cents.
    set: HashMap<Box<[u8]>, Vec<CategoryBudget>>,
    /// Monthly income, for users without budgets of their own: the seed's template.
    income: HashMap<Box<[u8]>, i64>,
}

impl Budgets {
    /// Reads `user<TAB>CATEGORY<TAB>amount` budgets and, optionally, `user<TAB>amount` monthly
    /// incomes for the users who set no budget.
    pub fn parse(budgets: &[u8], incomes: Option<&[u8]>) -> Result<Budgets, (bool, BadLine)> {
        let mut out = Budgets::default();
        for (i, line) in budgets.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let bad = |problem| (true, BadLine { line: i as u64 + 1, problem });
            let parts: Vec<&[u8]> = line.split(|b| *b == b'\t').collect();
            let [user, category, amount] = parts[..] else {
                return Err(bad(Problem::Fields(parts.len())));
            };
            let category =
                std::str::from_utf8(category).ok().filter(|c| !c.is_empty()).ok_or(bad(Problem::Category))?;
            let cents = parse_cents(amount).ok_or(bad(Problem::Amount))?;
            let list = out.set.entry(user.into()).or_default();
            list.retain(|(c, _)| &**c != category);
            list.push((category.into(), cents));
        }
        for (i, line) in incomes.unwrap_or_default().split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let bad = |problem| (false, BadLine { line: i as u64 + 1, problem });
            let parts: Vec<&[u8]> = line.split(|b| *b == b'\t').collect();
            let [user, amount] = parts[..] else {
                return Err(bad(Problem::Fields(parts.len())));
            };
            out.income.insert(user.into(), parse_cents(amount).ok_or(bad(Problem::Amount))?);
        }
        Ok(out)
    }

    /// A user's budget for a category, in cents: their own, else the template's share of
    /// their income, else none.
    fn budget(&self, user: &[u8], category: &str) -> Option<i64> {
        if let Some(list) = self.set.get(user) {
            return list.iter().find(|(c, _)| &**c == category).map(|(_, cents)| *cents);
        }
        let income = *self.income.get(user)?;
        let usd = Currency::new("USD").expect("USD is a currency");
        budget::template(Money::from_minor(income, usd))
            .into_iter()
            .find(|(c, _)| *c == category)
            .map(|(_, percent)| (i128::from(income) * i128::from(percent) / 100) as i64)
    }
}

/// A threshold a group's spending reached: one notification of the seed's budget service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crossing<'a> {
    pub group: Group<'a>,
    /// Percent of the budget.
    pub threshold: u32,
    pub budget: i64,
}

impl Totals<'_> {
    /// Every (user, month, category, threshold) the totals reach, in the result's order and
    /// then by threshold.
    pub fn crossings(&self, budgets: &Budgets, thresholds: &[u32]) -> Vec<Crossing<'_>> {
        let usd = Currency::new("USD").expect("USD is a currency");
        let mut thresholds = thresholds.to_vec();
        thresholds.sort_unstable();
        let mut out = Vec::new();
        for i in 0..self.rows.len() {
            let group = self.group(i);
            let Some(budget) = budgets.budget(group.user, group.category) else {
                continue;
            };
            for threshold in
                budget::crossed(Money::from_minor(group.cents, usd), Money::from_minor(budget, usd), &thresholds)
            {
                out.push(Crossing { group, threshold, budget });
            }
        }
        out
    }
}

/// Writes a crossing as `user<TAB>YYYY-MM<TAB>CATEGORY<TAB>threshold<TAB>spent<TAB>budget`.
pub fn write_crossing(c: &Crossing<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(c.group.user);
    out.push(b'\t');
    c.group.month.write(out);
    out.push(b'\t');
    out.extend_from_slice(c.group.category.as_bytes());
    out.push(b'\t');
    out.extend_from_slice(c.threshold.to_string().as_bytes());
    out.push(b'\t');
    write_cents(c.group.cents, out);
    out.push(b'\t');
    write_cents(c.budget, out);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_cents() {
        assert_eq!(parse_cents(b"12.34"), Some(1234));
        assert_eq!(parse_cents(b"-3.5"), Some(-350));
        assert_eq!(parse_cents(b"7"), Some(700));
        assert_eq!(parse_cents(b".5"), Some(50));
        assert_eq!(parse_cents(b"99999999.99"), Some(9_999_999_999));
        for bad in [&b""[..], b"-", b".", b"1.234", b"1e5", b"1,00", b"12.3\t4", b"1234567890123456"] {
            assert_eq!(parse_cents(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        let mut out = Vec::new();
        for cents in [-350, 0, 5, 19_999_999_998, i64::MIN + 1] {
            write_cents(cents, &mut out);
            out.push(b' ');
        }
        assert_eq!(String::from_utf8(out).unwrap(), "-3.50 0.00 0.05 199999999.98 -92233720368547758.07 ");
    }

    #[test]
    fn fields_sort_like_the_lines_they_start() {
        assert_eq!(field_order(b"1", b"10"), Ordering::Less);
        assert_eq!(field_order(b"007", b"1"), Ordering::Less);
        assert_eq!(field_order(b"FOOD", b"FOOD_RESTAURANTS"), Ordering::Less);
        // A byte below the tab sorts before the end of a field, as in the line.
        assert_eq!(field_order(b"a\x01", b"a"), Ordering::Less);
        assert_eq!(field_order(b"a", b"a"), Ordering::Equal);
    }

    #[test]
    fn months_read_and_write_back() {
        let m = Month::parse(b"2024-02-29T23:59:59Z").unwrap();
        assert_eq!(m.to_string(), "2024-02");
        assert_eq!(Month::parse(b"2024-13"), None);
        assert_eq!(Month::parse(b"2024-1"), None);
        assert_eq!(Month::parse(b"24-01-01"), None);
    }
}
