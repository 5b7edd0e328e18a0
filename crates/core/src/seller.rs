//! Seller normalization and the seller dictionary.
//!
//! Banks print the same shop in many ways (`SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA`,
//! `POS DEBIT 0412 SHELL OIL 57442`, `AMZN Mktp US*2K4HJ7 Amzn.com/bill WA`). [`normalize`] turns
//! a descriptor into a short lowercase seller key (`blue bottle coffee`, `shell oil`, `amazon`)
//! that rules, the dictionary and the crowd all key on. The [`Dictionary`] maps seller keys to
//! category ids, and ISO 18245 merchant category codes to category ids; its data ships in
//! `crates/core/data/` and is embedded in the binary, so nothing here reads a file.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::categorize::CATEGORY_IDS;

/// Payment processors and card-network wording that banks put before the seller's name.
/// Matched, lowercase, at the start of the descriptor, repeatedly.
const PREFIXES: &[&str] = &[
    "debit card purchase",
    "pos purchase",
    "pos debit",
    "pos withdrawal",
    "checkcard",
    "check card",
    "ach debit",
    "ach credit",
    "recurring payment",
    "recurring",
    "purchase authorized on",
    "authorized on",
    "purchase",
    "sq *",
    "sq*",
    "tst *",
    "tst*",
    "paypal *",
    "paypal*",
    "pp *",
    "pp*",
    "sp *",
    "sp*",
    "py *",
    "py*",
    "sms*",
    "dd *",
    "dd*",
    "in *",
    "bt*",
];

/// Descriptor beginnings that all mean Amazon's retail or marketplace.
const AMAZON: &[&str] = &[
    "amzn mktp",
    "amazon mktp",
    "amazon mktplace",
    "amazon.com",
    "amzn.com",
    "amazon marketplace",
    "amazon retail",
    "amzn",
];

/// Two-letter US state and territory codes; a descriptor's last word is often one.
const STATES: &[&str] = &[
    "al", "ak", "az", "ar", "ca", "co", "ct", "de", "dc", "fl", "ga", "hi", "id", "il", "in", "ia", "ks", "ky", "la",
    "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny", "nc", "nd", "oh", "ok", "or",
    "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv", "wi", "wy", "pr", "gu", "vi",
];

/// Cities that precede the state at the end of a descriptor (the largest US cities and the
/// ones the sandbox bank prints). A city is only removed when a state code followed it.
const CITIES: &[&str] = &[
    "new york",
    "los angeles",
    "chicago",
    "houston",
    "phoenix",
    "philadelphia",
    "san antonio",
    "san diego",
    "dallas",
    "san jose",
    "austin",
    "jacksonville",
    "fort worth",
    "columbus",
    "charlotte",
    "san francisco",
    "san fran",
    "san francisc",
    "indianapolis",
    "seattle",
    "denver",
    "washington",
    "boston",
    "el paso",
    "nashville",
    "detroit",
    "oklahoma city",
    "portland",
    "las vegas",
    "memphis",
    "louisville",
    "baltimore",
    "milwaukee",
    "albuquerque",
    "tucson",
    "fresno",
    "mesa",
    "sacramento",
    "atlanta",
    "kansas city",
    "colorado springs",
    "omaha",
    "raleigh",
    "miami",
    "long beach",
    "virginia beach",
    "oakland",
    "minneapolis",
    "tulsa",
    "tampa",
    "arlington",
    "new orleans",
    "wichita",
    "cleveland",
    "bakersfield",
    "aurora",
    "anaheim",
    "honolulu",
    "santa ana",
    "riverside",
    "corpus christi",
    "lexington",
    "stockton",
    "henderson",
    "saint paul",
    "st paul",
    "st louis",
    "saint louis",
    "cincinnati",
    "pittsburgh",
    "greensboro",
    "anchorage",
    "plano",
    "lincoln",
    "orlando",
    "irvine",
    "newark",
    "toledo",
    "durham",
    "chula vista",
    "fort wayne",
    "jersey city",
    "st petersburg",
    "laredo",
    "madison",
    "chandler",
    "buffalo",
    "lubbock",
    "scottsdale",
    "reno",
    "glendale",
    "gilbert",
    "winston salem",
    "norfolk",
    "chesapeake",
    "garland",
    "irving",
    "hialeah",
    "fremont",
    "boise",
    "richmond",
    "baton rouge",
    "spokane",
    "des moines",
    "tacoma",
    "san bernardino",
    "modesto",
    "fontana",
    "santa clarita",
    "birmingham",
    "oxnard",
    "fayetteville",
    "moreno valley",
    "rochester",
    "glendale",
    "huntington beach",
    "salt lake city",
    "salt lake",
    "grand rapids",
    "amarillo",
    "yonkers",
    "montgomery",
    "akron",
    "little rock",
    "huntsville",
    "augusta",
    "columbus",
    "overland park",
    "tallahassee",
    "brooklyn",
    "bronx",
    "queens",
    "staten island",
    "manhattan",
    "cambridge",
    "somerville",
    "berkeley",
    "emeryville",
    "concord",
    "palo alto",
    "mountain view",
    "sunnyvale",
    "santa clara",
    "redwood city",
    "san mateo",
    "daly city",
    "walnut creek",
    "hayward",
    "alameda",
    "pasadena",
    "santa monica",
    "burbank",
    "torrance",
    "ann arbor",
    "princeton",
    "hoboken",
    "brooklyn park",
    "bellevue",
    "redmond",
    "kirkland",
    "everett",
    "vancouver",
    "beaverton",
    "hillsboro",
    "boulder",
    "fort collins",
    "ft collins",
    "santa fe",
    "savannah",
    "charleston",
    "knoxville",
    "chattanooga",
    "providence",
    "hartford",
    "new haven",
    "stamford",
    "albany",
    "syracuse",
    "burlington",
    "portsmouth",
    "manchester",
    "wilmington",
    "dover",
    "annapolis",
    "alexandria",
    "mclean",
    "bethesda",
    "silver spring",
    "arlington heights",
    "evanston",
    "naperville",
    "schaumburg",
    "springfield",
    "peoria",
    "dayton",
    "lansing",
    "kalamazoo",
    "madison",
    "green bay",
    "duluth",
    "sioux falls",
    "fargo",
    "billings",
    "missoula",
    "cheyenne",
    "provo",
    "ogden",
    "flagstaff",
    "tempe",
    "palm springs",
    "san rafael",
    "novato",
    "napa",
    "santa rosa",
    "san luis obispo",
    "santa barbara",
    "ventura",
    "long island city",
    "seattle",
    "helena",
    "juneau",
    "hilo",
    "kailua",
    "sausalito",
    "menlo park",
    "cupertino",
    "los gatos",
    "milpitas",
    "livermore",
    "pleasanton",
    "dublin",
    "san ramon",
    "danville",
    "lafayette",
    "orinda",
    "el cerrito",
    "albany",
    "san leandro",
    "castro valley",
    "union city",
    "newark",
    "south san francisco",
    "s san francisco",
    "san bruno",
    "millbrae",
    "burlingame",
];

/// Company-form words that add nothing to a seller's name.
const COMPANY_FORMS: &[&str] = &["inc", "llc", "ltd", "corp", "corporation", "incorporated", "gmbh", "plc"];

/// Words that label a reference number; dropped together with the number that follows.
const REFERENCE_LABELS: &[&str] = &["ref", "conf", "id", "orderid", "order", "trace", "tran", "auth", "seq", "no"];

/// What a descriptor's wording says about the kind of payment, beyond the seller's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// Toast's restaurant point of sale (`TST* BIDA MANDA`): a restaurant, bar or cafe.
    RestaurantPos,
    /// A food-delivery platform (`DD *DOORDASH`, `UBER EATS`, `GRUBHUB`).
    FoodDelivery,
    /// Money sent to or received from someone through a payment service or the bank's bill pay
    /// or wire (`ZELLE PAYMENT TO BAYVIEW HOMES LLC`): the seller is whom it pays, and it is
    /// spending (or income), not a transfer between the user's own accounts.
    Person {
        /// The service's name as the app shows it: `Zelle`, `Venmo`, `Cash App`, `bill pay`, `a wire`.
        service: &'static str,
        /// Whether the bank named the other party; when it did not, the seller is the service's words.
        named: bool,
        /// The note the sender wrote, normalized (`for "rent"` -> `rent`); empty when none.
        memo: String,
    },
    /// A paper check: banks seldom say whom it paid.
    Check,
}

/// A descriptor read: the seller key and what its wording says about the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// What [`normalize`] returns.
    pub seller: String,
    pub channel: Option<Channel>,
}

/// Payment services that move money between people, and how banks write them before the other
/// party's name; longest first within a service.
const PERSON_PREFIXES: &[(&str, &str)] = &[
    ("zelle payment to", "Zelle"),
    ("zelle payment from", "Zelle"),
    ("zelle pmt to", "Zelle"),
    ("zelle pmt from", "Zelle"),
    ("zelle transfer to", "Zelle"),
    ("zelle transfer from", "Zelle"),
    ("zelle sent to", "Zelle"),
    ("zelle send to", "Zelle"),
    ("zelle to", "Zelle"),
    ("zelle from", "Zelle"),
    ("zelle payment", "Zelle"),
    ("zelle", "Zelle"),
    ("venmo payment to", "Venmo"),
    ("venmo to", "Venmo"),
    ("venmo payment", "Venmo"),
    ("venmo *", "Venmo"),
    ("venmo*", "Venmo"),
    ("venmo", "Venmo"),
    ("cash app *", "Cash App"),
    ("cash app*", "Cash App"),
    ("cash app", "Cash App"),
    ("online bill pay to", "bill pay"),
    ("online bill pay", "bill pay"),
    ("bill pay to", "bill pay"),
    ("bill payment to", "bill pay"),
    ("bill pay", "bill pay"),
    ("billpay", "bill pay"),
    ("bill pmt", "bill pay"),
    ("outgoing wire transfer to", "a wire"),
    ("outgoing wire transfer", "a wire"),
    ("outgoing wire to", "a wire"),
    ("outgoing wire", "a wire"),
    ("wire transfer to", "a wire"),
    ("wire transfer out", "a wire"),
    ("wire to", "a wire"),
    ("wire out", "a wire"),
];

/// Food-delivery platforms, as the start of a seller key.
const DELIVERY: &[&str] = &[
    "doordash",
    "uber eats",
    "ubereats",
    "grubhub",
    "seamless",
    "seamlss",
    "postmates",
    "caviar",
    "deliveroo",
    "just eat",
    "justeat",
    "lieferando",
    "thuisbezorgd",
    "glovo",
    "rappi",
    "ifood",
    "skipthedishes",
    "menulog",
];

/// Reads a bank descriptor: its seller key ([`normalize`]) and what its wording says about the
/// payment ([`Channel`]).
pub fn analyze(descriptor: &str) -> Descriptor {
    let lower = descriptor.trim().to_lowercase();
    if let Some(read) = person(descriptor, &lower) {
        return read;
    }
    let (seller, processor) = normalize_once(descriptor);
    let seller = if seller.is_empty() { normalize_fallback(descriptor) } else { seller };
    // Banks glue a platform's long name to the restaurant's (`SEAMLSSDISTRICTSAIGON`).
    let delivery = DELIVERY.iter().any(|d| {
        seller.strip_prefix(d).is_some_and(|after| {
            after.is_empty() || after.starts_with(' ') || (d.len() >= 7 && !d.contains(' ') && after.len() >= 3)
        })
    });
    let channel = match processor {
        Some("tst*" | "tst *") => Some(Channel::RestaurantPos),
        Some("dd*" | "dd *") => Some(Channel::FoodDelivery),
        _ if delivery => Some(Channel::FoodDelivery),
        _ if is_check(&lower) => Some(Channel::Check),
        _ => None,
    };
    Descriptor { seller, channel }
}

/// `ZELLE PAYMENT TO BAYVIEW HOMES LLC CONF# 123`: the other party as the seller.
fn person(descriptor: &str, lower: &str) -> Option<Descriptor> {
    let lower = lower.strip_prefix("online ").unwrap_or(lower);
    let (rest, service) = PERSON_PREFIXES.iter().find_map(|(prefix, service)| {
        let after = lower.strip_prefix(prefix)?;
        (prefix.ends_with('*') || after.is_empty() || after.starts_with([' ', '*', '-', ':', '#']))
            .then_some((after, *service))
    })?;
    // Money moved between the user's own Venmo or Zelle balance and the bank is not a payment.
    let own = rest.trim_start_matches([' ', '*', '-', ':', '#']);
    if [
        "cashout",
        "cash out",
        "transfer",
        "instant transfer",
        "standard transfer",
        "add funds",
        "addfunds",
        "inst xfer",
    ]
    .iter()
    .any(|w| own.strip_prefix(w).is_some_and(|after| after.is_empty() || after.starts_with(' ')))
    {
        return None;
    }
    // The sender's note: `... for "rent"`, `... memo: rent`.
    let (name, memo) = [" for ", " memo ", " memo:", " note "]
        .iter()
        .find_map(|m| rest.find(m).map(|at| (&rest[..at], &rest[at + m.len()..])))
        .unwrap_or((rest, ""));
    let name = name.trim_start_matches([' ', '*', '-', ':', '#']);
    let (mut payee, _) = normalize_once(name);
    // `ZELLE TO SMITH JOHN ON 01/02 REF # ...`: the date's preposition is not the name.
    if let Some(cut) = payee.strip_suffix(" on") {
        payee = cut.to_owned();
    }
    let memo = normalize_once(memo).0;
    // `VENMO PAYMENT 1023 WEB ID: 32646`: a reference, not a name.
    let named = name.starts_with(char::is_alphabetic) && payee.chars().any(char::is_alphabetic);
    let seller = if named { payee } else { normalize_fallback(descriptor) };
    Some(Descriptor { seller, channel: Some(Channel::Person { service, named, memo }) })
}

/// `CHECK 1234`, `CHECK #1234`, `CHK 1234 PAID`: a check with no payee.
fn is_check(lower: &str) -> bool {
    let Some(rest) = ["check", "chk", "cheque"].iter().find_map(|w| lower.strip_prefix(w)) else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '#', '.']).trim_start_matches("no").trim_start_matches([' ', '#', '.']);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    digits > 0
        && rest[digits..]
            .split_whitespace()
            .all(|w| !w.chars().any(char::is_alphabetic) || matches!(w, "paid" | "posted" | "cleared" | "deposited"))
}

/// Turns a bank descriptor into the seller key rules and the dictionary match on.
///
/// Lowercase words separated by one space; apostrophes are dropped and a lone `s` is joined to
/// the word before it, so `TRADER JOE'S` and `TRADER JOE S` both become `trader joes`. Removes
/// processor prefixes, store and terminal numbers, card digits, reference numbers and dates,
/// web addresses after the name, and a trailing state with the city before it. Everything from
/// the first number that follows the name on is dropped, because banks put store numbers,
/// phone numbers and references after the name and locations after those. A payment to a
/// person through Zelle, Venmo, Cash App, bill pay or a wire is keyed on whom it pays
/// (`ZELLE PAYMENT TO BAYVIEW HOMES LLC` -> `bayview homes`). Returns an empty string only for
/// a descriptor with no letter in it (`123456`): one made only of a processor's words keeps
/// them (`POS PURCHASE` -> `pos purchase`), and one that puts them before a ` - ` keeps what
/// follows (`POS PURCHASE - BLACKBIRD BOOKS #12` -> `blackbird books`).
pub fn normalize(descriptor: &str) -> String {
    analyze(descriptor).seller
}

/// The seller as a person reads it in a list: the normalized seller with each word
/// capitalized (`CHECKCARD 1202 SAFEWAY #1205 OAKLAND CA` -> `Safeway`), or the descriptor as
/// the bank wrote it when normalizing leaves nothing.
pub fn display_name(descriptor: &str) -> String {
    let seller = normalize(descriptor);
    if seller.is_empty() {
        return descriptor.trim().to_owned();
    }
    let mut out = String::with_capacity(seller.len());
    for (i, word) in seller.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// The seller of a descriptor whose first reading left nothing.
fn normalize_fallback(descriptor: &str) -> String {
    if let Some((_, after)) = descriptor.split_once(" - ") {
        let seller = normalize_once(after).0;
        if !seller.is_empty() {
            return seller;
        }
        let seller = normalize_fallback(after);
        if !seller.is_empty() {
            return seller;
        }
    }
    // Nothing but the processor's words, or words the rules drop: keep its words as they are.
    let words: Vec<String> = descriptor
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().any(char::is_alphabetic))
        // A masked account number (`XXXXXX1234`) is not a word.
        .filter(|w| !(w.len() >= 3 && w.chars().all(|c| c == 'x' || c == 'X' || c.is_ascii_digit())))
        .take(4)
        .map(str::to_lowercase)
        .collect();
    words.join(" ")
}

/// The seller key, and the processor prefix it removed (`tst*`), if any.
fn normalize_once(descriptor: &str) -> (String, Option<&'static str>) {
    let mut text = lowered(descriptor);
    // ACH entries: `NAME DES:PAYROLL ID:123 INDN:HOLDER CO ID:456 PPD` -> the originator's name.
    for marker in [" des:", " indn:", " co id:"] {
        if let Some(at) = text.find(marker) {
            text.truncate(at);
        }
    }
    // ` - ` separates a name from a location or a note (`TARTINE BAKERY - SAN FRAN`); after a
    // store number with no word in it, a name that follows is the seller's
    // (`210 - BOWLERO - WOODSIDE`), a number that follows is not (`76 - 0253545`).
    while let Some(at) = text.find(" - ") {
        let before = &text[..at];
        if !before.chars().any(char::is_alphanumeric) {
            break;
        }
        if !before.chars().any(char::is_alphabetic) && text[at + 3..].starts_with(char::is_alphabetic) {
            text.replace_range(..at + 3, "");
            continue;
        }
        text.truncate(at);
        break;
    }
    let mut rest = text.trim_start();
    // `COA*CHEAPOAIR.COM`, `PLN*PRICELINE.COM`: an agent's short code before the site it sells
    // for; the site's name alone is the seller (`APL*ITUNES.COM/BILL` -> `itunes`).
    let mut agent = false;
    if let Some((code, after)) = rest.split_once('*')
        && (2..=4).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_alphabetic())
        && !PREFIXES.iter().any(|p| p.strip_suffix('*').is_some_and(|p| p.trim_end() == code))
        && after.trim_start().split(' ').next().and_then(domain_name).is_some()
    {
        rest = after.trim_start();
        agent = true;
    }
    let mut amazon = false;
    let mut processor: Option<&'static str> = None;
    loop {
        let before = rest.len();
        rest = rest.trim_start_matches(['*', ' ', '#']);
        for prefix in PREFIXES {
            if let Some(after) = rest.strip_prefix(prefix)
                && (prefix.ends_with('*') || after.is_empty() || after.starts_with([' ', '*']))
            {
                rest = after;
                if prefix.contains('*') {
                    processor = Some(prefix);
                }
                break;
            }
        }
        // A date or terminal number between prefixes and the name (`CHECKCARD 1126 ...`).
        if let Some((first, after)) = rest.split_once(' ') {
            let date = first.contains('/') && first.chars().all(|c| c.is_ascii_digit() || c == '/');
            if date || (first.len() >= 4 && first.chars().all(|c| c.is_ascii_digit())) {
                rest = after;
            }
        }
        let is_amazon = |alias: &&str| {
            rest.strip_prefix(*alias).is_some_and(|after| {
                after.is_empty()
                    || after.starts_with('*')
                    || (*alias != "amzn" && !after.starts_with(char::is_alphanumeric))
            })
        };
        if AMAZON.iter().any(is_amazon) {
            amazon = true;
            break;
        }
        if rest.len() == before {
            break;
        }
    }
    if amazon {
        return ("amazon".to_owned(), processor);
    }

    let mut words: Vec<String> = Vec::new();
    let mut skip_next_number = false;
    let mut state_removed = false;
    let mut cut_at_number = false;
    let raw_tokens: Vec<&str> =
        rest.split([' ', '*', ',', ';', '|', '(', ')', '"']).filter(|t| !t.is_empty()).collect();
    'tokens: for &raw in &raw_tokens {
        if let Some((name, path)) = domain_name(raw) {
            // `NETFLIX.COM`, `APPLE.COM/BILL` name the seller; `HELP.UBER.COM` after a name does not.
            if words.is_empty() {
                push_word(&mut words, name);
                if !agent && !path.is_empty() && path.chars().all(char::is_alphabetic) {
                    push_word(&mut words, path);
                }
            }
            continue;
        }
        if let Some((label, _number)) = raw.split_once('#') {
            // `#127`, `CONF#`, `STORE#0144`: a number follows the name here.
            let label: String = label.chars().filter(|c| c.is_alphabetic()).collect();
            if REFERENCE_LABELS.contains(&label.as_str()) {
                skip_next_number = true;
                continue;
            }
            if !label.is_empty() {
                push_word(&mut words, &label);
            }
            if words.is_empty() {
                continue;
            }
            cut_at_number = true;
            break;
        }
        // `B.B.V.A.`, `S.A.R.L.`: an acronym written with dots is one word.
        let acronym = raw.contains('.')
            && raw.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && raw.split('.').all(|p| p.chars().count() <= 1 && p.chars().all(char::is_alphabetic));
        let undotted;
        let raw: &str = if acronym {
            undotted = raw.replace('.', "");
            &undotted
        } else {
            raw
        };
        for part in
            raw.split(['/', '-', '.', ':', '+', '=', '!', '?', '[', ']', '{', '}', '<', '>', '_', '~', '@', '$', '%'])
        {
            let part: String = part.chars().filter(|c| c.is_alphanumeric() || *c == '&').collect();
            if part.is_empty() || part == "&" && words.is_empty() {
                continue;
            }
            let has_digit = part.chars().any(|c| c.is_ascii_digit());
            let masked = part.len() >= 3 && part.chars().all(|c| c == 'x');
            if has_digit || masked {
                if skip_next_number {
                    skip_next_number = false;
                    continue;
                }
                let digits = part.chars().filter(char::is_ascii_digit).count();
                let only_digits = digits == part.chars().count();
                let numeric_words = !words.is_empty() && words.iter().all(|w| w.chars().all(|c| c.is_ascii_digit()));
                if only_digits {
                    let small = !part.starts_with('0');
                    if words.is_empty() && small && digits <= 3 {
                        // `76`, `7-ELEVEN`, `99 RANCH`: a short number that is the name.
                        words.push(part);
                        continue;
                    }
                    if !words.is_empty()
                        && !numeric_words
                        && small
                        && digits <= 2
                        && raw.chars().all(|c| c.is_ascii_digit())
                    {
                        // `MOTEL 6`, `FOREVER 21`, `PHILLIPS 66`: store numbers have more digits.
                        push_word(&mut words, &part);
                        continue;
                    }
                } else if !masked {
                    let letters = part.trim_end_matches(|c: char| c.is_ascii_digit());
                    if !letters.is_empty() && letters.chars().all(|c| c == 'x') {
                        // `XXXX1234`: masked card digits.
                        continue;
                    }
                    if !letters.is_empty() && !letters.contains(|c: char| c.is_ascii_digit()) && digits >= 3 {
                        // `H&M0123`, `F12345`: a name or label run into a store number.
                        if words.is_empty() {
                            push_word(&mut words, letters);
                        }
                        cut_at_number = true;
                        break 'tokens;
                    }
                    if (words.is_empty() && digits <= 3) || (!numeric_words && digits <= 2 && part.len() <= 4) {
                        // `F45`, `23ANDME`, `RUE21`, `5TH`: digits that belong to a name.
                        push_word(&mut words, &part);
                        continue;
                    }
                }
                if numeric_words {
                    // A date or reference before the name (`11/25`), not a name after all.
                    words.clear();
                    continue;
                }
                cut_at_number = true;
                break 'tokens;
            }
            skip_next_number = false;
            if words.is_empty() && REFERENCE_LABELS.contains(&part.as_str()) && raw.ends_with(':') {
                skip_next_number = true;
                continue;
            }
            if part == "s" && raw != "s" {
                // Only a lone `S` is a possessive whose apostrophe became a space (`JOE S`); an
                // `S.` is an abbreviation that says nothing about the seller.
                continue;
            }
            push_word(&mut words, &part);
        }
    }
    // A trailing state, then the city before it.
    let last_is_state = words.last().is_some_and(|w| STATES.contains(&w.as_str()));
    if last_is_state && (words.len() > 2 || words[0].chars().count() > 2) {
        words.pop();
        state_removed = true;
    }
    if state_removed {
        for n in [3, 2, 1] {
            if words.len() > n {
                let tail = words[words.len() - n..].join(" ");
                if CITIES.contains(&tail.as_str()) {
                    words.truncate(words.len() - n);
                    break;
                }
            }
        }
    }
    // `STARBUCKS STORE 05479`: the word before a store number says nothing about the seller.
    if cut_at_number && words.len() > 1 && words[words.len() - 1] == "store" {
        words.pop();
    }
    while words.len() > 1 && COMPANY_FORMS.contains(&words[words.len() - 1].as_str()) {
        words.pop();
    }
    if words.len() > 1 && words[words.len() - 1] == "&" {
        words.pop();
    }
    (words.join(" "), processor)
}

/// The descriptor in lowercase, without apostrophes, every whitespace a plain space; bytes at a
/// time for the ASCII most banks write.
fn lowered(descriptor: &str) -> String {
    if descriptor.is_ascii() {
        let bytes: Vec<u8> = descriptor
            .bytes()
            .filter(|b| !matches!(b, b'\'' | b'`'))
            // The ASCII that `char::is_whitespace` holds to be white space, vertical tab included.
            .map(|b| if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r') { b' ' } else { b.to_ascii_lowercase() })
            .collect();
        return String::from_utf8(bytes).expect("ASCII stays ASCII");
    }
    descriptor
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '`'))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect()
}

/// Appends a word, joining a lone `s` to the word before it (`joe s` -> `joes`) and dropping a
/// repeat of the previous word (`NETFLIX.COM NETFLIX.COM`).
fn push_word(words: &mut Vec<String>, word: &str) {
    match words.last_mut() {
        Some(last) if word == "s" && last.chars().all(char::is_alphabetic) => last.push('s'),
        Some(last) if last == word && word.chars().count() >= 4 => {}
        _ => words.push(word.to_owned()),
    }
}

/// `netflix.com`, `www.uber.com/help`, `help.uber.com`, `amzn.com/bill` -> the site's name and
/// the first segment of its path (`amzn`, `bill`).
fn domain_name(token: &str) -> Option<(&str, &str)> {
    let (host, path) = token.split_once('/').unwrap_or((token, ""));
    let path = path.split('/').next().unwrap_or("");
    let host = host.strip_prefix("www.").unwrap_or(host);
    let (name, tld) = host.rsplit_once('.')?;
    if !matches!(tld, "com" | "net" | "org" | "co" | "io" | "tv" | "us" | "app" | "uk" | "de" | "fr" | "es") {
        return None;
    }
    let name = name.strip_suffix(".co").unwrap_or(name);
    let name = name.rsplit('.').next().unwrap_or(name);
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '-')).then_some((name, path))
}

/// Why a dictionary's data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DictionaryError {
    #[error("line {line}: expected `seller<TAB>CATEGORY[<TAB>alternative, ...]`")]
    Syntax { line: usize },
    #[error("line {line}: `{category}` is not a category id")]
    UnknownCategory { line: usize, category: String },
    #[error("line {line}: `{code}` is not a merchant category code (four digits)")]
    Mcc { line: usize, code: String },
}

/// Seller keys and merchant category codes mapped to category ids.
///
/// Compact on purpose (the design budget is 50,000 sellers in about 12 MB): a key is stored
/// once as a boxed `str` and its category as a one-byte index into [`CATEGORY_IDS`].
#[derive(Debug, Default)]
pub struct Dictionary {
    sellers: HashMap<Box<str>, u8>,
    brands: usize,
    mcc: HashMap<u16, u8>,
}

static BUILTIN: OnceLock<Dictionary> = OnceLock::new();

impl Dictionary {
    /// The dictionary shipped in `crates/core/data/`, parsed on first use.
    pub fn builtin() -> &'static Dictionary {
        BUILTIN.get_or_init(|| {
            Dictionary::parse(include_str!("../data/merchants.tsv"), include_str!("../data/mcc.tsv"))
                .expect("the embedded dictionary parses (checked by a test)")
        })
    }

    /// Reads a dictionary: `merchants` has `seller<TAB>CATEGORY[<TAB>alternative, ...]` lines,
    /// `mcc` has `code<TAB>CATEGORY[<TAB>description]` lines; `#` starts a comment line. A key
    /// listed twice keeps its first category.
    pub fn parse(merchants: &str, mcc: &str) -> Result<Dictionary, DictionaryError> {
        let mut dictionary = Dictionary::default();
        for (number, line) in data_lines(merchants) {
            let mut columns = line.split('\t');
            let (Some(key), Some(category)) = (columns.next(), columns.next()) else {
                return Err(DictionaryError::Syntax { line: number });
            };
            let index = category_index(category.trim(), number)?;
            let key = key.trim();
            if key.is_empty() {
                return Err(DictionaryError::Syntax { line: number });
            }
            dictionary.brands += 1;
            dictionary.sellers.entry(key.into()).or_insert(index);
            for alternative in columns.next().unwrap_or("").split(',') {
                let alternative = alternative.trim();
                if !alternative.is_empty() {
                    dictionary.sellers.entry(alternative.into()).or_insert(index);
                }
            }
        }
        for (number, line) in data_lines(mcc) {
            let mut columns = line.split('\t');
            let (Some(code), Some(category)) = (columns.next(), columns.next()) else {
                return Err(DictionaryError::Syntax { line: number });
            };
            let code = code.trim();
            let value = code
                .parse::<u16>()
                .ok()
                .filter(|_| code.len() == 4)
                .ok_or_else(|| DictionaryError::Mcc { line: number, code: code.to_owned() })?;
            dictionary.mcc.insert(value, category_index(category.trim(), number)?);
        }
        dictionary.sellers.shrink_to_fit();
        dictionary.mcc.shrink_to_fit();
        Ok(dictionary)
    }

    /// The category of a normalized seller: the exact key, else the longest known prefix of its
    /// words (`shell oil 57442` -> `shell`).
    pub fn lookup(&self, normalized: &str) -> Option<&str> {
        let mut key = normalized.trim();
        loop {
            if let Some(index) = self.sellers.get(key) {
                return Some(CATEGORY_IDS[usize::from(*index)]);
            }
            key = key.rsplit_once(' ')?.0.trim_end();
        }
    }

    /// The category of an ISO 18245 merchant category code.
    pub fn for_mcc(&self, mcc: u16) -> Option<&str> {
        self.mcc.get(&mcc).map(|index| CATEGORY_IDS[usize::from(*index)])
    }

    /// How many seller keys (brands and their alternative keys) the dictionary knows.
    pub fn len(&self) -> usize {
        self.sellers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sellers.is_empty()
    }

    /// How many brands (lines of the merchants data) it was built from.
    pub fn brands(&self) -> usize {
        self.brands
    }

    /// How many merchant category codes it maps.
    pub fn mcc_len(&self) -> usize {
        self.mcc.len()
    }

    /// An estimate of the heap this dictionary holds, in bytes: every key's bytes plus the
    /// hash tables' buckets (hashbrown allocates a power-of-two bucket count at 7/8 load, one
    /// control byte per bucket plus a group's worth).
    pub fn heap_bytes(&self) -> usize {
        fn table<K, V>(map: &HashMap<K, V>) -> usize {
            let buckets = if map.capacity() == 0 { 0 } else { (map.capacity() * 8 / 7 + 1).next_power_of_two() };
            buckets * (std::mem::size_of::<(K, V)>() + 1) + 16
        }
        let keys: usize = self.sellers.keys().map(|k| k.len()).sum();
        keys + table(&self.sellers) + table(&self.mcc)
    }
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
}

fn category_index(category: &str, line: usize) -> Result<u8, DictionaryError> {
    CATEGORY_IDS
        .iter()
        .position(|id| *id == category)
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| DictionaryError::UnknownCategory { line, category: category.to_owned() })
}
