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
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Mutex, mpsc};

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

    /// [`Month::parse`] of the eight bytes a timestamp starts with, first byte lowest.
    #[inline(always)]
    fn from_word(word: u64) -> Option<Month> {
        let year = word_digits(word, 4)? as u32;
        let month = word_digits(word >> 40, 2)? as u32;
        ((word >> 32) as u8 == b'-' && (1..=12).contains(&month)).then(|| Month(year * 12 + month - 1))
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

/// Sellers and their category ids, for the lookup every line makes: the names in one arena and
/// a table of open addressing over it, so a lookup touches one slot and the name it holds (no
/// pointer to a separately allocated key).
#[derive(Debug, Default)]
struct SellerTable {
    slots: Vec<SellerSlot>,
    arena: Vec<u8>,
    /// Names too long for a slot's length (254 bytes; none in the seed's map).
    long: Map<Box<[u8]>, u16>,
    len: usize,
}

/// Eight bytes: 50,000 sellers' slots fit in a core's cache beside the rest of the job.
#[derive(Debug, Clone, Copy)]
struct SellerSlot {
    start: u32,
    category: u16,
    /// The top byte of the name's hash.
    tag: u8,
    /// `EMPTY` for a free slot.
    len: u8,
}

const EMPTY: u8 = u8::MAX;

fn tag(hash: u64) -> u8 {
    (hash >> 56) as u8
}

/// The seller hash: eight bytes at a time, each word folded into the state by a multiply, the
/// last partial word zero-padded, then the length. [`seller_field`] computes the same while it
/// looks for the seller's end, so a line's seller is read once.
#[inline]
fn mix(state: u64, word: u64) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let p = u128::from(state ^ word) * u128::from(K);
    (p as u64) ^ ((p >> 64) as u64)
}

const HASH_SEED: u64 = 0x243F_6A88_85A3_08D3;

#[inline]
fn hash_finish(state: u64, len: usize) -> u64 {
    mix(state, (len as u64).rotate_left(32) ^ 0xD6E8_FEB8_6659_FD93)
}

fn name_hash(name: &[u8]) -> u64 {
    let mut words = name.chunks_exact(8);
    let mut h = HASH_SEED;
    for word in words.by_ref() {
        h = mix(h, u64::from_le_bytes(word.try_into().unwrap_or_default()));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = mix(h, u64::from_le_bytes(last));
    }
    hash_finish(h, name.len())
}

impl SellerTable {
    /// The table of `sellers`; the last category given a seller wins.
    fn new(sellers: &[(&[u8], u16)]) -> SellerTable {
        let size = (sellers.len() * 3 / 2 + 1).next_power_of_two().max(16);
        let mut table = SellerTable {
            slots: vec![SellerSlot { tag: 0, start: 0, len: EMPTY, category: 0 }; size],
            arena: Vec::with_capacity(sellers.iter().map(|(s, _)| s.len()).sum()),
            long: map(),
            len: 0,
        };
        for (name, category) in sellers {
            table.insert(name, *category);
        }
        table
    }

    fn insert(&mut self, name: &[u8], category: u16) {
        let fits = name.len() < usize::from(EMPTY) && self.arena.len() + name.len() <= u32::MAX as usize;
        if !fits {
            if self.long.insert(name.into(), category).is_none() {
                self.len += 1;
            }
            return;
        }
        let hash = name_hash(name);
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot.len == EMPTY {
                let start = self.arena.len() as u32;
                self.arena.extend_from_slice(name);
                self.slots[i] = SellerSlot { tag: tag(hash), start, len: name.len() as u8, category };
                self.len += 1;
                return;
            }
            if self.matches(slot, hash, name) {
                self.slots[i].category = category;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    fn matches(&self, slot: SellerSlot, hash: u64, name: &[u8]) -> bool {
        slot.tag == tag(hash)
            && usize::from(slot.len) == name.len()
            && self
                .arena
                .get(slot.start as usize..slot.start as usize + name.len())
                .is_some_and(|s| same_bytes(s, name))
    }

    #[inline]
    fn get(&self, name: &[u8]) -> Option<u16> {
        self.get_hashed(name, name_hash(name))
    }

    /// [`SellerTable::get`] of a name whose [`name_hash`] is `hash`.
    #[inline]
    fn get_hashed(&self, name: &[u8], hash: u64) -> Option<u16> {
        if self.slots.is_empty() {
            return None;
        }
        if name.len() >= usize::from(EMPTY) {
            return self.long.get(name).copied();
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot.len == EMPTY {
                return if self.long.is_empty() { None } else { self.long.get(name).copied() };
            }
            if self.matches(slot, hash, name) {
                return Some(slot.category);
            }
            i = (i + 1) & mask;
        }
    }
}

/// The seed's seller-to-category map, and the categories it and Spearmint's own categorizer
/// can give.
#[derive(Debug)]
pub struct SellerMap {
    sellers: SellerTable,
    names: Vec<Box<str>>,
    /// Whether sellers the map lacks go through Spearmint's own categorizer.
    builtin: bool,
    /// Each category's place in byte order.
    rank: Vec<u16>,
    /// How many categories (from id 0) are summed densely: the map's own, up to [`DENSE`].
    dense: usize,
}

impl SellerMap {
    /// Reads `seller<TAB>CATEGORY` lines (blank lines are ignored; the last line for a seller
    /// wins, as a dictionary built from the file would).
    pub fn parse(text: &[u8]) -> Result<SellerMap, BadLine> {
        let mut map = SellerMap {
            sellers: SellerTable::default(),
            names: Vec::new(),
            builtin: false,
            rank: Vec::new(),
            dense: 0,
        };
        map.category(UNCATEGORIZED);
        let mut sellers = Vec::new();
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
            sellers.push((&line[..tab], id));
        }
        map.sellers = SellerTable::new(&sellers);
        map.dense = map.names.len().min(DENSE);
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
        self.sellers.len
    }

    pub fn is_empty(&self) -> bool {
        self.sellers.len == 0
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
        self.sellers.get(seller)
    }

    /// [`SellerMap::get`] of a seller whose [`name_hash`] is known.
    #[inline]
    fn get_hashed(&self, seller: &[u8], hash: u64) -> Option<u16> {
        self.sellers.get_hashed(seller, hash)
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

/// Where the first tab or newline is, and the [`name_hash`] of the bytes before it: eight bytes
/// at a time, since a field is a few dozen bytes at most, too short for a vectorized search to
/// pay off.
#[inline]
fn seller_field(bytes: &[u8]) -> Option<(usize, u64)> {
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    let mut h = HASH_SEED;
    for word in words.by_ref() {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // Lowest set bit: the first tab or newline (a borrow only ever marks bytes above it).
        let found = zero_byte(x ^ (ONES * u64::from(b'\t'))) | zero_byte(x ^ (ONES * u64::from(b'\n')));
        if found != 0 {
            let k = (found.trailing_zeros() / 8) as usize;
            if k > 0 {
                h = mix(h, x & (u64::MAX >> (64 - 8 * k)));
            }
            return Some((at + k, hash_finish(h, at + k)));
        }
        h = mix(h, x);
        at += 8;
    }
    let rest = words.remainder();
    let k = rest.iter().position(|b| *b == b'\t' || *b == b'\n')?;
    if k > 0 {
        let mut last = [0u8; 8];
        last[..k].copy_from_slice(&rest[..k]);
        h = mix(h, u64::from_le_bytes(last));
    }
    Some((at + k, hash_finish(h, at + k)))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `at`, first byte lowest, when there are eight.
#[inline]
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Where the first `byte` of a word is: its lowest byte holding it.
#[inline(always)]
fn find_in_word(word: u64, byte: u8) -> Option<usize> {
    let x = word ^ (ONES * u64::from(byte));
    let found = x.wrapping_sub(ONES) & !x & HIGH;
    (found != 0).then(|| (found.trailing_zeros() / 8) as usize)
}

/// The number written by the first `n` bytes of a word (1 to 8 ASCII digits, first digit
/// lowest), or `None` when one of them is not a digit: all eight at once, without a branch per
/// digit.
#[inline(always)]
fn word_digits(word: u64, n: usize) -> Option<u64> {
    if n == 0 || n > 8 {
        return None;
    }
    let keep = u64::MAX >> (64 - 8 * n);
    let t = (word ^ (ONES * u64::from(b'0'))) & keep;
    // A byte is a digit when it is at most 9 once '0' is taken away: adding 0x76 leaves its high
    // bit clear (a carry out of a byte only ever comes from one already marked).
    if (t | t.wrapping_add((0x76 * ONES) & keep)) & HIGH & keep != 0 {
        return None;
    }
    // Leading zeros fill the low bytes; then pairs, fours and eights of digits are combined.
    let v = t << (8 * (8 - n));
    let v = (v.wrapping_mul(10) + (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul(100) + (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((v.wrapping_mul(10_000) + (v >> 32)) & 0xFFFF_FFFF)
}

/// Whether two byte strings of the same length are equal, compared eight bytes at a time.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or_default());
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    x.by_ref().zip(y.by_ref()).all(|(p, q)| word(p) == word(q))
        && x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

/// What the one-pass reading of a line learns beside its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scan {
    /// The seller's [`name_hash`].
    seller_hash: u64,
    /// The user id's number, when it is a plain one of up to seven digits.
    user_number: Option<u64>,
}

/// The line at `at` of a chunk, read in one pass when it has the usual shape: a user id, a
/// 20-byte timestamp (`2024-03-07T14:05:09Z`), a seller and an amount of digits with at most
/// two decimals, then `\n`, `\r\n` or the chunk's end. Returns its fields, what else it
/// learnt and where the next line starts, or `None` for any other line, which
/// [`parse_line`] then reads (and names, when it is bad).
#[inline]
fn fast_line(chunk: &[u8], at: usize) -> Option<(Fields<'_>, Scan, usize)> {
    let rest = chunk.get(at..)?;
    // A user id of up to seven digits in one word; anything else byte by byte.
    let first = word_at(rest, 0).and_then(|w| {
        let i = find_in_word(w, b'\t')?;
        if i > 1 && w as u8 == b'0' {
            return None;
        }
        Some((i, word_digits(w, i)?))
    });
    let user_number = first.map(|(_, n)| n);
    let i = match first {
        Some((i, _)) => i,
        None => {
            let mut i = 0;
            while *rest.get(i)? != b'\t' {
                if rest[i] == b'\n' {
                    return None;
                }
                i += 1;
            }
            i
        }
    };
    let user = &rest[..i];
    if user.is_empty() {
        return None;
    }
    // The timestamp in three words (overlapping), none with a newline.
    let stamp = [word_at(rest, i + 1)?, word_at(rest, i + 9)?, word_at(rest, i + 13)?];
    if rest.get(i + 21) != Some(&b'\t') || stamp.iter().any(|w| find_in_word(*w, b'\n').is_some()) {
        return None;
    }
    let month = Month::from_word(stamp[0])?;
    let seller_at = i + 22;
    let (seller_len, seller_hash) = seller_field(rest.get(seller_at..)?)?;
    let seller = &rest[seller_at..seller_at + seller_len];
    if rest.get(seller_at + seller_len) != Some(&b'\t') {
        return None;
    }
    let mut j = seller_at + seller_len + 1;
    let negative = rest.get(j) == Some(&b'-');
    j += usize::from(negative);
    let scan = Scan { seller_hash, user_number };
    // The usual amount, `1234.56` and a newline within one word, all at once; any other byte by
    // byte.
    if let Some(w) = word_at(rest, j)
        && let Some(end) = find_in_word(w, b'\n')
        && end >= 4
        && (w >> (8 * (end - 3))) as u8 == b'.'
    {
        let whole = end - 3;
        let digits = (w & (u64::MAX >> (64 - 8 * whole))) | (((w >> (8 * (whole + 1))) & 0xFFFF) << (8 * whole));
        if let Some(cents) = word_digits(digits, whole + 2) {
            let cents = cents as i64;
            let cents = if negative { -cents } else { cents };
            return Some((Fields { user, month, seller, cents }, scan, at + j + end + 1));
        }
    }
    let (mut cents, mut whole, mut fraction, mut dot) = (0i64, 0usize, 0usize, false);
    loop {
        match rest.get(j) {
            Some(d @ b'0'..=b'9') => {
                if dot {
                    fraction += 1
                } else {
                    whole += 1
                }
                if whole > MAX_WHOLE_DIGITS || fraction > 2 {
                    return None;
                }
                cents = cents * 10 + i64::from(d - b'0');
            }
            Some(b'.') if !dot => dot = true,
            Some(b'\n') | None => break,
            Some(b'\r') if rest.get(j + 1).is_none_or(|b| *b == b'\n') => {
                j += 1;
                break;
            }
            Some(_) => return None,
        }
        j += 1;
    }
    if whole + fraction == 0 || whole > MAX_WHOLE_DIGITS || fraction > 2 {
        return None;
    }
    for _ in fraction..2 {
        cents *= 10;
    }
    let cents = if negative { -cents } else { cents };
    Some((Fields { user, month, seller, cents }, scan, at + j + 1))
}

/// Group keys pack a user's index (high 32 bits), the month (20 bits) and the category (12).
fn key(user: u32, month: Month, category: u16) -> u64 {
    (u64::from(user) << 32) | (u64::from(month.0 & 0xF_FFFF) << 12) | u64::from(category & 0xFFF)
}

fn unkey(key: u64) -> (u32, Month, u16) {
    ((key >> 32) as u32, Month(((key >> 12) & 0xF_FFFF) as u32), (key & 0xFFF) as u16)
}

/// The seller map's own categories (and `UNCATEGORIZED`) are summed in a dense block per (user,
/// month); a category only the built-in categorizer gives, in a map beside it. At most this many
/// dense ones: a block's presence mask is one 32-bit word.
const DENSE: usize = 31;

/// Words of a cache line.
const LINE_WORDS: usize = 16;

/// A cache line of a block. A block's word 0 is the mask of the categories present, then comes a
/// total per dense category in 32-bit cents: the seed's dozen categories fill one line, so a
/// month's blocks of 20,000 users stay in a core's cache. A total past 32 bits goes on in
/// [`Spending::extra`], in 64.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(64))]
struct Line([i32; LINE_WORDS]);

/// Lines summed together, stage by stage ([`Spending::add_batch`]).
const BATCH: usize = 32;

/// Numeric user ids below this are found by index, without hashing.
const DIRECT_USERS: u64 = 1 << 20;

/// A user id written as a plain number (no sign, no leading zero): the same id always has the
/// same bytes, so numbers and names never split one user.
fn plain_number(id: &[u8]) -> Option<u64> {
    if id.is_empty() || id.len() > 18 || (id[0] == b'0' && id.len() > 1) {
        return None;
    }
    let mut n = 0u64;
    for b in id {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
}

/// The users a thread has seen, each given an index in order of appearance.
#[derive(Debug, Default)]
struct Users {
    /// Index + 1 of the small numeric ids (0: not seen).
    direct: Vec<u32>,
    numbers: Map<u64, u32>,
    named: Map<Box<[u8]>, u32>,
    names: Vec<Box<[u8]>>,
}

impl Users {
    fn new() -> Users {
        Users { direct: Vec::new(), numbers: map(), named: map(), names: Vec::new() }
    }

    fn index(&mut self, id: &[u8]) -> u32 {
        self.index_of(id, plain_number(id))
    }

    /// [`Users::index`] of an id whose [`plain_number`] is known.
    #[inline]
    fn index_of(&mut self, id: &[u8], number: Option<u64>) -> u32 {
        let next = self.names.len() as u32;
        let found = match number {
            Some(n) if n < DIRECT_USERS => {
                let n = n as usize;
                if n >= self.direct.len() {
                    self.direct.resize((n + 1).next_power_of_two(), 0);
                }
                match self.direct[n] {
                    0 => {
                        self.direct[n] = next + 1;
                        None
                    }
                    i => Some(i - 1),
                }
            }
            Some(n) => Some(*self.numbers.entry(n).or_insert(next)).filter(|i| *i != next),
            None => match self.named.get(id) {
                Some(i) => Some(*i),
                None => {
                    self.named.insert(id.into(), next);
                    None
                }
            },
        };
        found.unwrap_or_else(|| {
            self.names.push(id.into());
            next
        })
    }
}

/// A user's months in a thread, each with its block.
#[derive(Debug, Clone, Default)]
struct Slot {
    /// Every month, sorted, and its block.
    months: Vec<(Month, u32)>,
}

/// No month: `Spending::last` of a user who has none yet.
const NO_MONTH: Month = Month(u32::MAX);

/// One thread's share of the job: the groups it has summed so far.
#[derive(Debug)]
pub struct Spending<'m> {
    map: &'m SellerMap,
    month: Option<Month>,
    skip_bad: bool,
    users: Users,
    slots: Vec<Slot>,
    /// Per user, the month last summed and its block, apart from `slots` so the lookup every
    /// line makes stays within a few cache lines: a log in time order finds it at once.
    last: Vec<(Month, u32)>,
    /// Blocks of `lines` cache lines each.
    blocks: Vec<Line>,
    lines: usize,
    /// (user, month, category) totals of the categories past the dense ones, and what did not
    /// fit a dense one's 32 bits.
    extra: Map<u64, i64>,
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
            users: Users::new(),
            slots: Vec::new(),
            last: Vec::new(),
            blocks: Vec::new(),
            lines: (1 + map.dense).div_ceil(LINE_WORDS),
            extra: map_new(),
            guessed: map_new(),
            skipped: 0,
        }
    }

    /// Adds a chunk of whole lines. Returns how many lines it held, or the first bad line
    /// (numbered within the chunk, from 1) unless bad lines are skipped.
    pub fn add_chunk(&mut self, chunk: &[u8]) -> ChunkResult {
        let chunk = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        let mut count = 0u64;
        let mut at = 0;
        let mut batch: Vec<(u64, Fields<'_>, Scan)> = Vec::with_capacity(BATCH);
        // `at == len` after a `\n`: the empty last line of `...\n\n`, counted as a line.
        while at < chunk.len() || (at == chunk.len() && chunk.last() == Some(&b'\n')) {
            count += 1;
            // The usual line in one pass; anything unusual (and every bad line) the careful way,
            // after the lines before it.
            if let Some((f, scan, next)) = fast_line(chunk, at) {
                at = next;
                if self.month.is_none_or(|m| m == f.month) {
                    batch.push((count, f, scan));
                    if batch.len() == BATCH {
                        self.add_batch(&mut batch)?;
                    }
                }
                continue;
            }
            self.add_batch(&mut batch)?;
            let end = memchr::memchr(b'\n', &chunk[at..]).map_or(chunk.len(), |i| at + i);
            let line = &chunk[at..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            at = end + 1;
            if line.is_empty() {
                continue;
            }
            if let Err(problem) = parse_line(line).and_then(|f| self.add_fields(f)) {
                if self.skip_bad && problem != Problem::TooLarge {
                    self.skipped += 1;
                } else {
                    return Err(BadLine { line: count, problem });
                }
            }
        }
        self.add_batch(&mut batch)?;
        Ok(count)
    }

    /// A seller's category: the map's, else (with the built-in categorizer) its guess.
    #[inline]
    fn category(&mut self, seller: &[u8], hash: u64, cents: i64) -> u16 {
        match self.map.get_hashed(seller, hash) {
            Some(c) => c,
            None if self.map.builtin => match self.guessed.get(seller) {
                Some(c) => *c,
                None => {
                    let c = self.map.guess(seller, cents);
                    self.guessed.insert(seller.into(), c);
                    c
                }
            },
            None => 0,
        }
    }

    fn add_fields(&mut self, f: Fields<'_>) -> Result<(), Problem> {
        if self.month.is_some_and(|m| m != f.month) {
            return Ok(());
        }
        let category = self.category(f.seller, name_hash(f.seller), f.cents);
        let user = self.users.index(f.user);
        let block = self.block(user, f.month);
        self.add_to(user, f.month, block, category, f.cents)
    }

    #[inline]
    fn add_to(&mut self, user: u32, month: Month, block: usize, category: u16, cents: i64) -> Result<(), Problem> {
        let c = usize::from(category);
        if c < self.map.dense {
            let at = block * self.lines;
            self.blocks[at].0[0] |= 1 << c;
            let w = 1 + c;
            let total = &mut self.blocks[at + w / LINE_WORDS].0[w % LINE_WORDS];
            if let Some(sum) = i32::try_from(cents).ok().and_then(|cents| total.checked_add(cents)) {
                *total = sum;
                return Ok(());
            }
        }
        {
            let total = self.extra.entry(key(user, month, category)).or_insert(0);
            *total = total.checked_add(cents).ok_or(Problem::TooLarge)?;
        }
        Ok(())
    }

    /// Sums a batch of lines (numbered in their chunk) stage by stage: every seller first, then
    /// every block, then every total, so the memory each stage waits for is fetched for all the
    /// lines at once rather than one line after another.
    fn add_batch(&mut self, batch: &mut Vec<(u64, Fields<'_>, Scan)>) -> Result<(), BadLine> {
        let mut categories = [0u16; BATCH];
        for (c, (_, f, scan)) in categories.iter_mut().zip(batch.iter()) {
            *c = self.category(f.seller, scan.seller_hash, f.cents);
        }
        let mut places = [(0u32, 0usize); BATCH];
        for (place, (_, f, scan)) in places.iter_mut().zip(batch.iter()) {
            let user = match scan.user_number {
                Some(n) => self.users.index_of(f.user, Some(n)),
                None => self.users.index(f.user),
            };
            *place = (user, self.block(user, f.month));
        }
        for (k, (line, f, _)) in batch.iter().enumerate() {
            let (user, block) = places[k];
            self.add_to(user, f.month, block, categories[k], f.cents)
                .map_err(|problem| BadLine { line: *line, problem })?;
        }
        batch.clear();
        Ok(())
    }

    /// The block of a user's month, made when new.
    fn block(&mut self, user: u32, month: Month) -> usize {
        let u = user as usize;
        if let Some((m, b)) = self.last.get(u)
            && *m == month
        {
            return *b as usize;
        }
        if u >= self.slots.len() {
            self.slots.resize(u + 1, Slot::default());
            self.last.resize(u + 1, (NO_MONTH, 0));
        }
        let slot = &mut self.slots[u];
        let b = match slot.months.binary_search_by_key(&month, |(m, _)| *m) {
            Ok(i) => slot.months[i].1,
            Err(i) => {
                let b = (self.blocks.len() / self.lines) as u32;
                self.blocks.resize(self.blocks.len() + self.lines, Line::default());
                slot.months.insert(i, (month, b));
                b
            }
        };
        self.last[u] = (month, b);
        b as usize
    }

    /// Lines skipped as bad (with `skip_bad`).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

fn map_new<K, V>() -> Map<K, V> {
    map()
}

/// What [`merge`] wrote beside the result's lines.
#[derive(Debug, Default)]
pub struct Merged {
    /// How many groups (lines of the result).
    pub groups: usize,
    /// The budget notifications' lines.
    pub notifications: Vec<u8>,
    /// How many notification lines.
    pub crossed: usize,
}

/// A run of users' lines, written by one thread.
#[derive(Debug, Default)]
struct Piece {
    lines: Vec<u8>,
    merged: Merged,
}

/// Why [`merge`] stopped.
#[derive(Debug)]
pub enum MergeError<E> {
    /// A total no longer fits.
    Total(Problem),
    /// The lines could not be written.
    Write(E),
}

/// Runs of users written at once: enough for both threads to stay busy while the lines before
/// them are written, few enough that a run's lines are a few MB.
const RUNS: usize = 64;

/// The seed's budget service: budgets and the thresholds (percent) that notify.
#[derive(Debug, Clone, Copy)]
pub struct Notify<'a> {
    pub budgets: &'a Budgets,
    pub thresholds: &'a [u32],
}

/// One half of the result being written.
struct Writer<'a> {
    map: &'a SellerMap,
    notify: Option<Notify<'a>>,
    usd: Currency,
    out: Piece,
}

impl Writer<'_> {
    /// Writes a group of the user `user`'s month (`prefix`: `user<TAB>YYYY-MM<TAB>`).
    fn group(&mut self, user: &[u8], prefix: &[u8], category: u16, cents: i64) {
        let name = self.map.name(category);
        let line = &mut self.out.lines;
        line.extend_from_slice(prefix);
        line.extend_from_slice(name.as_bytes());
        line.push(b'\t');
        write_cents(cents, line);
        line.push(b'\n');
        self.out.merged.groups += 1;
        let Some(notify) = self.notify else { return };
        let Some(budget) = notify.budgets.budget(user, name) else { return };
        let (spent, limit) = (Money::from_minor(cents, self.usd), Money::from_minor(budget, self.usd));
        for threshold in budget::crossed(spent, limit, notify.thresholds) {
            let out = &mut self.out.merged.notifications;
            out.extend_from_slice(prefix);
            out.extend_from_slice(name.as_bytes());
            out.push(b'\t');
            out.extend_from_slice(threshold.to_string().as_bytes());
            out.push(b'\t');
            write_cents(cents, out);
            out.push(b'\t');
            write_cents(budget, out);
            out.push(b'\n');
            self.out.merged.crossed += 1;
        }
    }
}

/// Combines the threads' shares and writes the result, piece after piece, to `write`: every user
/// in byte order, their months in order, each month's categories in byte order, so it comes out
/// sorted without a sort of the groups; with `notify`, the notifications of every (user, month,
/// category, threshold) reached, in the same order and then by threshold. Two threads write runs
/// of users while the calling one hands the finished runs to `write`, in order.
pub fn merge<E>(
    map: &SellerMap,
    parts: Vec<Spending<'_>>,
    notify: Option<Notify<'_>>,
    mut write: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<Merged, MergeError<E>> {
    let mut sorted_thresholds = notify.map(|n| n.thresholds.to_vec()).unwrap_or_default();
    sorted_thresholds.sort_unstable();
    let notify = notify.map(|n| Notify { budgets: n.budgets, thresholds: &sorted_thresholds });
    let mut users: Vec<Box<[u8]>> = parts.iter().flat_map(|p| p.users.names.iter().cloned()).collect();
    users.sort_unstable_by(|a, b| field_order(a, b));
    users.dedup();
    // Per part, each user's local index by global index (u32::MAX: absent).
    let locals: Vec<Vec<u32>> = parts
        .iter()
        .map(|part| {
            let mut local = vec![u32::MAX; users.len()];
            for (i, name) in part.users.names.iter().enumerate() {
                let g = users.binary_search_by(|u| field_order(u, name)).expect("every user was collected");
                local[g] = i as u32;
            }
            local
        })
        .collect();
    // The rare totals past the dense categories or their 32 bits, by (global user, month).
    let mut extra: Map<u64, Vec<(u16, i64)>> = map_new();
    for (part, local) in parts.iter().zip(&locals) {
        let global: Map<u32, u32> =
            local.iter().enumerate().filter(|(_, l)| **l != u32::MAX).map(|(g, l)| (*l, g as u32)).collect();
        for (k, total) in &part.extra {
            let (user, month, category) = unkey(*k);
            let list = extra.entry(key(global[&user], month, 0)).or_default();
            match list.iter_mut().find(|(c, _)| *c == category) {
                Some((_, sum)) => *sum = sum.checked_add(*total).ok_or(MergeError::Total(Problem::TooLarge))?,
                None => list.push((category, *total)),
            }
        }
    }
    let dense = map.dense;
    let mut dense_by_rank: Vec<u16> = (0..dense as u16).collect();
    dense_by_rank.sort_unstable_by_key(|c| map.rank[usize::from(*c)]);
    // The users' lines in two halves at once: each half's lines are in order, and so is the pair.
    let lines_of = |from: usize, to: usize, mut lines: Vec<u8>| -> Result<Piece, Problem> {
        lines.clear();
        let mut out = Writer {
            map,
            notify,
            usd: Currency::new("USD").expect("USD is a currency"),
            out: Piece { lines, merged: Merged::default() },
        };
        let mut months: Vec<(Month, usize, u32)> = Vec::new();
        let mut cells: Vec<(u16, i64)> = Vec::new();
        let mut sums = vec![0i64; dense];
        let mut prefix = Vec::new();
        for g in from..to {
            months.clear();
            for (p, (part, local)) in parts.iter().zip(&locals).enumerate() {
                if let Some(slot) = part.slots.get(local[g] as usize) {
                    months.extend(slot.months.iter().map(|(m, b)| (*m, p, *b)));
                }
            }
            months.sort_unstable_by_key(|(m, p, _)| (*m, *p));
            let mut i = 0;
            while i < months.len() {
                let month = months[i].0;
                let mut mask = 0i32;
                sums.fill(0);
                while i < months.len() && months[i].0 == month {
                    let (_, p, b) = months[i];
                    let part = &parts[p];
                    let at = b as usize * part.lines;
                    let block = part.blocks[at..at + part.lines].iter().flat_map(|line| line.0);
                    let mut words = block.clone();
                    mask |= words.next().unwrap_or(0);
                    for (sum, total) in sums.iter_mut().zip(words) {
                        // Cannot overflow: at most a part per thread, each within 32 bits.
                        *sum += i64::from(total);
                    }
                    i += 1;
                }
                let extra = extra.get(&key(g as u32, month, 0));
                for (c, total) in extra.into_iter().flatten() {
                    if let Some(sum) = sums.get_mut(usize::from(*c)) {
                        *sum = sum.checked_add(*total).ok_or(Problem::TooLarge)?;
                        mask |= 1 << c;
                    }
                }
                cells.clear();
                cells.extend(
                    dense_by_rank.iter().filter(|c| mask & (1 << **c) != 0).map(|c| (*c, sums[usize::from(*c)])),
                );
                if let Some(list) = extra.filter(|list| list.iter().any(|(c, _)| usize::from(*c) >= dense)) {
                    cells.extend(list.iter().filter(|(c, _)| usize::from(*c) >= dense).copied());
                    cells.sort_unstable_by_key(|(c, _)| map.rank[usize::from(*c)]);
                }
                let user = &users[g];
                prefix.clear();
                prefix.extend_from_slice(user);
                prefix.push(b'\t');
                month.write(&mut prefix);
                prefix.push(b'\t');
                for (c, total) in &cells {
                    out.group(user, &prefix, *c, *total);
                }
            }
        }
        Ok(out.out)
    };
    let count = users.len();
    let step = count.div_ceil(RUNS).max(1);
    let runs = count.div_ceil(step);
    let next = AtomicUsize::new(0);
    let (done_tx, done_rx) = mpsc::sync_channel::<(usize, Result<Piece, Problem>)>(4);
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
    let spare_rx = Mutex::new(spare_rx);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let (done_tx, next, spare_rx, lines_of) = (done_tx.clone(), &next, &spare_rx, &lines_of);
            scope.spawn(move || {
                loop {
                    let run = next.fetch_add(1, AtomicOrdering::Relaxed);
                    if run >= runs {
                        return;
                    }
                    let spare = spare_rx.lock().ok().and_then(|rx| rx.try_recv().ok()).unwrap_or_default();
                    let piece = lines_of(run * step, ((run + 1) * step).min(count), spare);
                    if done_tx.send((run, piece)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // Runs come in any order; each is written once those before it are.
        let mut waiting: BTreeMap<usize, Result<Piece, Problem>> = BTreeMap::new();
        let mut merged = Merged::default();
        let mut wanted = 0;
        let mut stop = None;
        for (run, piece) in done_rx {
            waiting.insert(run, piece);
            while let Some(piece) = waiting.remove(&wanted) {
                wanted += 1;
                if stop.is_some() {
                    continue;
                }
                match piece {
                    Ok(piece) => {
                        if let Err(e) = write(&piece.lines) {
                            stop = Some(MergeError::Write(e));
                        }
                        merged.groups += piece.merged.groups;
                        merged.crossed += piece.merged.crossed;
                        merged.notifications.extend_from_slice(&piece.merged.notifications);
                        let _ = spare_tx.send(piece.lines);
                    }
                    Err(problem) => stop = Some(MergeError::Total(problem)),
                }
                if stop.is_some() {
                    // The threads take no further run.
                    next.store(runs, AtomicOrdering::Relaxed);
                }
            }
        }
        match stop {
            Some(stop) => Err(stop),
            None => Ok(merged),
        }
    })
}

/// One group of the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group<'a> {
    pub user: &'a [u8],
    pub month: Month,
    pub category: &'a str,
    pub cents: i64,
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
    fn the_one_pass_reading_agrees_with_the_careful_one() {
        for i in 0..40 {
            let text = "x".repeat(i);
            let tab = format!("{text}\tz");
            // The seller's end and its hash in one pass, the same hash as the table's.
            let hash = name_hash(text.as_bytes());
            assert_eq!(seller_field(tab.as_bytes()), Some((i, hash)));
            assert_eq!(seller_field(format!("{text}\nz\t").as_bytes()), Some((i, hash)));
            assert_eq!(seller_field(format!("{text}\tlonger than a word").as_bytes()), Some((i, hash)));
            assert_eq!(seller_field(text.as_bytes()), None);
            if i > 0 {
                assert_ne!(name_hash(&text.as_bytes()[1..]), hash);
                assert_ne!(name_hash(format!("{text}\0").as_bytes()), hash, "a zero byte still counts");
            }
            assert!(same_bytes(tab.as_bytes(), tab.as_bytes()));
            if i > 0 {
                let mut other = tab.clone().into_bytes();
                other[i - 1] = b'y';
                assert!(!same_bytes(tab.as_bytes(), &other));
            }
        }
        let lines = [
            "1\t2024-03-07T14:05:09Z\tLerkmio Cafe #4157\t12.50",
            "alice\t2024-03-07T14:05:09Z\tA seller with a long name, Inc. #12\t-3.5",
            "007\t2024-12-31T23:59:59Z\t\t.05",
            "9\t2024-01-01T00:00:00Z\tShop\t7",
            "9\t2024-01-01T00:00:00Z\tShop\t999999999999999.99",
            "1234567\t2024-01-01T00:00:00Z\tShop\t1234.56",
            "0\t2024-01-01T00:00:00Z\tShop\t-0.01",
            "12345678\t2024-01-01T00:00:00Z\tShop\t007.10",
            "10\t2024-01-01T00:00:00Z\tShop\t12.5",
        ];
        for line in lines {
            // At the chunk's end, and with the next line close enough to be read with it.
            for end in ["", "\n", "\r\n", "\n5\t2024-01-01T00:00:00Z\tShop\t1.00\n"] {
                let chunk = format!("{line}{end}");
                let (fast, scan, next) = fast_line(chunk.as_bytes(), 0).unwrap_or_else(|| panic!("{line:?}"));
                assert_eq!(scan.seller_hash, name_hash(fast.seller));
                if scan.user_number.is_some() {
                    assert_eq!(scan.user_number, plain_number(fast.user), "{line:?}");
                }
                let slow = parse_line(line.as_bytes()).unwrap();
                assert_eq!(
                    (fast.user, fast.month, fast.seller, fast.cents),
                    (slow.user, slow.month, slow.seller, slow.cents)
                );
                let line_end = if end.len() > 2 { line.len() + 1 } else { chunk.len() + usize::from(end.is_empty()) };
                assert_eq!(next, line_end, "{line:?}");
            }
        }
        // Anything unusual goes the careful way, which names what is wrong.
        for odd in [
            "1\t2024-03-07\tShop\t1.00",
            "1\t2024-03-07T14:05:09Z\tShop\t1.005",
            "1\t2024-03-07T14:05:09Z\tShop\t+1",
            "1\t2024-03-07T14:05:09Z\tShop\t1.00\textra",
            "1\t2024-03-07T14:05:09Z\tShop\n\t1.00",
            "1\t2024-03-07T14:05\n09Z\tShop\t1",
            "\t2024-03-07T14:05:09Z\tShop\t1",
            "1\t2024-03-07T14:05:09Z\tShop\t1234567890123456789012",
            "1\t2024-03-07T14:05:09Z\tShop\t1.2.3",
            "1\t2024-03-07T14:05:09Z\tShop\t1..34",
            "1\t2024-03-07T14:05:09Z\tShop\t12.345",
            "1\t2024-03-07T14:05:09Z\tShop\t12:34",
            "1\t2024-03-07T14:05:09Z\tShop\t1 .34",
            "1\n\t2024-03-07T14:05:09Z\tShop\t1.00",
        ] {
            assert!(fast_line(odd.as_bytes(), 0).is_none(), "{odd:?}");
            let followed = format!("{odd}\n5\t2024-01-01T00:00:00Z\tShop\t1.00\n");
            assert!(fast_line(followed.as_bytes(), 0).is_none(), "{odd:?}, followed");
        }
    }

    #[test]
    fn a_word_of_digits_reads_as_the_number_it_writes() {
        let word = |text: &[u8]| {
            let mut bytes = [b'x'; 8];
            bytes[..text.len()].copy_from_slice(text);
            u64::from_le_bytes(bytes)
        };
        for n in 1..=8usize {
            for value in [0u64, 1, 7, 10, 99, 12_345, 9_999_999, 99_999_999, 10_203_040] {
                let text = format!("{value:0n$}");
                if text.len() == n {
                    assert_eq!(word_digits(word(text.as_bytes()), n), Some(value), "{text}");
                }
            }
            for odd in [b'/', b':', b' ', b'.', 0x00, 0xB0, 0xFF] {
                for at in 0..n {
                    let mut text = vec![b'5'; n];
                    text[at] = odd;
                    assert_eq!(word_digits(word(&text), n), None, "{text:?}");
                }
            }
        }
        assert_eq!(word_digits(word(b"1"), 0), None);
        assert_eq!(find_in_word(word(b"ab\tc\t"), b'\t'), Some(2));
        assert_eq!(find_in_word(word(b"abc"), b'\t'), None);
    }

    #[test]
    fn the_seller_table_finds_every_seller_and_only_those() {
        let long = "L".repeat(300);
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(&format!("Seller {i}\tC{}\n", i % 7));
        }
        text.push_str(&format!("{long}\tLONG\nSeller 3\tLAST\n"));
        let map = SellerMap::parse(text.as_bytes()).unwrap();
        assert_eq!(map.len(), 5001);
        let name = |seller: &str| map.get(seller.as_bytes()).map(|c| map.name(c));
        assert_eq!(name("Seller 4999"), Some("C1"));
        assert_eq!(name("Seller 3"), Some("LAST"), "the last line for a seller wins");
        assert_eq!(name(&long), Some("LONG"));
        assert_eq!(name(&long[1..]), None);
        assert_eq!(name("Seller 5000"), None);
        assert_eq!(name(""), None);
    }

    #[test]
    fn totals_past_32_bits_of_cents_stay_exact() {
        let map = SellerMap::parse(b"Shop\tSHOPPING\nCafe\tRESTAURANTS\n").unwrap();
        // 21,000,000.00 fits 32 bits of cents; two of them do not, nor does 99,999,999.99 alone.
        let lines = [
            "1\t2024-01-02T00:00:00Z\tShop\t21000000.00",
            "1\t2024-01-03T00:00:00Z\tShop\t21000000.00",
            "1\t2024-01-04T00:00:00Z\tShop\t0.01",
            "1\t2024-01-04T00:00:00Z\tCafe\t-21000000.00",
            "1\t2024-01-05T00:00:00Z\tCafe\t-21000000.00",
            "1\t2024-01-06T00:00:00Z\tUnknown\t99999999.99",
            "1\t2024-01-07T00:00:00Z\tUnknown\t-99999999.99",
            "2\t2024-01-07T00:00:00Z\tUnknown\t-99999999.99",
        ];
        // Split over two threads' parts in every way: the result never changes.
        for split in 0..=lines.len() {
            let mut parts = Vec::new();
            for part in [&lines[..split], &lines[split..]] {
                let mut spending = Spending::new(&map, None, false);
                spending.add_chunk(part.join("\n").as_bytes()).unwrap();
                parts.push(spending);
            }
            let mut lines = Vec::new();
            let merged = merge(&map, parts, None, |piece| {
                lines.extend_from_slice(piece);
                Ok::<(), ()>(())
            })
            .unwrap();
            assert_eq!(merged.groups, 4);
            assert_eq!(
                String::from_utf8(lines).unwrap(),
                "1\t2024-01\tRESTAURANTS\t-42000000.00\n\
                 1\t2024-01\tSHOPPING\t42000000.01\n\
                 1\t2024-01\tUNCATEGORIZED\t0.00\n\
                 2\t2024-01\tUNCATEGORIZED\t-99999999.99\n",
                "split at {split}"
            );
        }
    }

    #[test]
    fn a_total_past_64_bits_across_threads_is_refused_not_wrapped() {
        let map = SellerMap::parse(b"Shop\tSHOPPING\n").unwrap();
        let line = "1\t2024-01-02T00:00:00Z\tShop\t999999999999999.99\n".repeat(60);
        let parts: Vec<Spending<'_>> = (0..2)
            .map(|_| {
                let mut spending = Spending::new(&map, None, false);
                spending.add_chunk(line.as_bytes()).unwrap();
                spending
            })
            .collect();
        let result = merge(&map, parts, None, |_| Ok::<(), ()>(()));
        assert!(matches!(result, Err(MergeError::Total(Problem::TooLarge))), "{result:?}");
    }

    #[test]
    fn months_read_and_write_back() {
        let m = Month::parse(b"2024-02-29T23:59:59Z").unwrap();
        assert_eq!(m.to_string(), "2024-02");
        assert_eq!(Month::parse(b"2024-13"), None);
        assert_eq!(Month::parse(b"2024-1"), None);
        assert_eq!(Month::parse(b"24-01-01"), None);
        for text in ["2024-02-29", "0000-01-01", "9999-12-31", "2024-13-01", "2024-00-01", "2024/02/01", "2024-2-01"] {
            let word = u64::from_le_bytes(text.as_bytes()[..8].try_into().unwrap());
            assert_eq!(Month::from_word(word), Month::parse(text.as_bytes()), "{text}");
        }
    }
}
