//! The merchants the sandbox customer buys from, with the descriptors banks really print.
//!
//! A card purchase shows first under its short pending form (`SQ *BLUE BOTTLE COFFEE`) and
//! posts a day or two later under the fuller form the card network settles with
//! (`SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA`). `{code}` in a form is replaced by a random
//! order reference, as Amazon's descriptors carry one per order.

/// One merchant: its pending and posted descriptors, the clean name an aggregator would show,
/// its ISO 18245 merchant category code and the range of a typical ticket, in cents.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Merchant {
    pub short: &'static str,
    pub full: &'static str,
    pub payee: &'static str,
    pub mcc: u16,
    pub low: i64,
    pub high: i64,
}

const fn m(short: &'static str, full: &'static str, payee: &'static str, mcc: u16, low: i64, high: i64) -> Merchant {
    Merchant { short, full, payee, mcc, low, high }
}

pub(crate) const COFFEE: &[Merchant] = &[
    m("SQ *BLUE BOTTLE COFFEE", "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA", "Blue Bottle Coffee", 5814, 450, 1250),
    m("SQ *RITUAL COFFEE", "SQ *RITUAL COFFEE ROASTERS San Francisco CA", "Ritual Coffee Roasters", 5814, 400, 1100),
    m("STARBUCKS STORE 05479", "STARBUCKS STORE 05479 OAKLAND CA", "Starbucks", 5814, 395, 1450),
];

pub(crate) const RESTAURANTS: &[Merchant] = &[
    m("TST* TARTINE BAKERY", "TST* TARTINE BAKERY - SAN FRAN San Francisco CA", "Tartine Bakery", 5812, 1400, 6500),
    m("TST* THE HALAL GUYS", "TST* THE HALAL GUYS - OAKLAND Oakland CA", "The Halal Guys", 5812, 1100, 3200),
    m("CHIPOTLE 2364", "CHIPOTLE 2364 OAKLAND CA", "Chipotle", 5812, 1050, 2800),
    m("DOORDASH*THAI BASIL", "DOORDASH*THAI BASIL SAN FRANCISCO CA", "DoorDash", 5812, 2200, 6800),
    m("UBER *EATS", "UBER   *EATS 8005928996 CA", "Uber Eats", 5812, 1800, 5400),
];

pub(crate) const GROCERIES: &[Merchant] = &[
    m("SAFEWAY #1205", "SAFEWAY #1205 OAKLAND CA", "Safeway", 5411, 1800, 16500),
    m("TRADER JOE S #127", "TRADER JOE S #127 OAKLAND CA", "Trader Joe's", 5411, 1500, 9500),
    m("WHOLEFDS OAK 10234", "WHOLEFDS OAK 10234 OAKLAND CA", "Whole Foods Market", 5411, 2000, 14000),
    m("COSTCO WHSE #0144", "COSTCO WHSE #0144 RICHMOND CA", "Costco", 5300, 6000, 32000),
];

pub(crate) const FUEL: &[Merchant] = &[
    m("SHELL OIL 57442", "SHELL OIL 57442 OAKLAND CA", "Shell", 5541, 3500, 7800),
    m("CHEVRON 0204567", "CHEVRON 0204567 EMERYVILLE CA", "Chevron", 5541, 3800, 8200),
    m("ARCO #82345", "ARCO #82345 AMPM BERKELEY CA", "ARCO", 5541, 3000, 6900),
];

pub(crate) const SHOPPING: &[Merchant] = &[
    m("AMZN Mktp US", "AMZN Mktp US*{code} Amzn.com/bill WA", "Amazon", 5942, 800, 12000),
    m("AMZN Mktp US", "AMZN Mktp US*{code} Amzn.com/bill WA", "Amazon", 5942, 1200, 6400),
    m("TARGET 00012345", "TARGET 00012345 EMERYVILLE CA", "Target", 5310, 1500, 11000),
    m("PAYPAL *EBAY", "PAYPAL *EBAY INC 4029357733 CA", "eBay", 5999, 1200, 9000),
    m("PAYPAL *STEAMGAMES", "PAYPAL *STEAM GAMES 4259522985 WA", "Steam", 5816, 499, 5999),
    m("CVS/PHARMACY #09123", "CVS/PHARMACY #09123 OAKLAND CA", "CVS Pharmacy", 5912, 600, 4800),
];

pub(crate) const RIDES: &[Merchant] = &[
    m("UBER *TRIP", "UBER   *TRIP HELP.UBER.COM CA", "Uber", 4121, 900, 4500),
    m("LYFT *RIDE", "LYFT   *RIDE 855-865-9553 CA", "Lyft", 4121, 800, 3900),
];

/// Transit fares: the same fare twice on one day is two real purchases, not a duplicate.
pub(crate) const TRANSIT: Merchant = m("CLIPPER SERVICE", "CLIPPER SERVICE CONCORD CA", "Clipper", 4111, 275, 275);

/// What a refund can come back from.
pub(crate) const REFUNDS: &[Merchant] = &[SHOPPING[0], SHOPPING[2]];

/// A day's chance of spending in a category, and how often that spending is on the card
/// (the rest goes through the checking account's debit card).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Habit {
    pub per_mille: u64,
    pub on_card_per_mille: u64,
    pub merchants: &'static [Merchant],
}

pub(crate) const HABITS: &[Habit] = &[
    Habit { per_mille: 450, on_card_per_mille: 850, merchants: COFFEE },
    Habit { per_mille: 500, on_card_per_mille: 850, merchants: RESTAURANTS },
    Habit { per_mille: 350, on_card_per_mille: 600, merchants: GROCERIES },
    Habit { per_mille: 110, on_card_per_mille: 400, merchants: FUEL },
    Habit { per_mille: 260, on_card_per_mille: 900, merchants: SHOPPING },
    Habit { per_mille: 120, on_card_per_mille: 950, merchants: RIDES },
];

/// Monthly card subscriptions: (day of month, merchant with a fixed amount).
pub(crate) const SUBSCRIPTIONS: &[(u32, Merchant)] = &[
    (3, m("PLANET FIT CLUB FEES", "PLANET FIT CLUB FEES 844-880-7180 NH", "Planet Fitness", 7997, 2499, 2499)),
    (5, m("NETFLIX.COM", "NETFLIX.COM NETFLIX.COM CA", "Netflix", 4899, 1549, 1549)),
    (11, m("Spotify USA", "Spotify USA 877-778-1161 NY", "Spotify", 5815, 1199, 1199)),
    (12, m("AT&T*BILL PAYMENT", "AT&T*BILL PAYMENT 800-331-0500 TX", "AT&T", 4814, 8500, 8500)),
    (18, m("APPLE.COM/BILL", "APPLE.COM/BILL 866-712-7753 CA", "Apple", 5818, 299, 299)),
    (27, m("PAYPAL *HULU", "PAYPAL *HULU 4029357733 CA", "Hulu", 4899, 1799, 1799)),
];

pub(crate) const EMPLOYERS: &[&str] =
    &["ACME ROBOTICS INC", "BLUE RIVER HEALTH", "NORTHWIND LOGISTICS", "GLOBEX CORP", "INITECH LLC"];
pub(crate) const HOLDERS: &[&str] = &["JORDAN AVERY", "SAM RIVERA", "ALEX MORGAN", "TAYLOR CHEN", "CASEY PATEL"];
pub(crate) const LANDLORDS: &[&str] =
    &["OAKWOOD PROPERTY MGMT", "LAKESIDE APARTMENTS", "GREYSTAR RE", "BAYVIEW HOMES LLC", "ESSEX PROPERTY TRUST"];
