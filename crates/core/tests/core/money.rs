//! Money: exact parsing of amounts as banks write them, exact round-trips, never a float.

use expect_test::{Expect, expect};
use proptest::prelude::*;
use rust_decimal::Decimal;
use spearmint_core::{Currency, DecimalMark, Money};

/// Parses each line (`CUR text`) and renders the outcome: the plain amount or the error.
fn check(input: &str, mark: DecimalMark, expect: Expect) {
    let mut out = String::new();
    for line in input.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (currency, text) = line.split_once(' ').unwrap();
        let currency = Currency::new(currency).unwrap();
        let text = text.trim_matches('|');
        let rendered = match Money::parse_with(text, currency, mark) {
            Ok(m) => m.to_string(),
            Err(e) => format!("error: {e}"),
        };
        out.push_str(&format!("|{text}| => {rendered}\n"));
    }
    expect.assert_eq(&out);
}

#[test]
fn parses_bank_amounts_with_an_auto_decimal_mark() {
    check(
        r"
        USD |-1,234.56|
        USD |1.234,56|
        USD |(12.00)|
        USD |$120|
        USD |-$5.5|
        USD |$-5.50|
        USD |12.00-|
        USD |+7|
        USD | 1 234.50 |
        USD |1'234.50|
        USD |1,234|
        USD |1,5|
        USD |0.01|
        USD |.99|
        USD |1,23,456.78|
        USD |12.340|
        USD |USD 42.10|
        EUR |42,10 €|
        JPY |¥1,200|
        BHD |1.234|
        ",
        DecimalMark::Auto,
        expect![[r#"
            |-1,234.56| => -1234.56 USD
            |1.234,56| => 1234.56 USD
            |(12.00)| => -12.00 USD
            |$120| => 120.00 USD
            |-$5.5| => -5.50 USD
            |$-5.50| => -5.50 USD
            |12.00-| => -12.00 USD
            |+7| => 7.00 USD
            | 1 234.50 | => 1234.50 USD
            |1'234.50| => 1234.50 USD
            |1,234| => 1234.00 USD
            |1,5| => 1.50 USD
            |0.01| => 0.01 USD
            |.99| => 0.99 USD
            |1,23,456.78| => 123456.78 USD
            |12.340| => 12.34 USD
            |USD 42.10| => 42.10 USD
            |42,10 €| => 42.10 EUR
            |¥1,200| => 1200 JPY
            |1.234| => 1.234 BHD
        "#]],
    );
}

#[test]
fn refuses_what_it_cannot_read_exactly() {
    check(
        r"
        USD |12.345|
        USD |abc|
        USD ||
        USD |1.2.3,4|
        USD |1,2345.00|
        USD |--5|
        USD |1e5|
        USD |99999999999999999999|
        JPY |1.5|
        ",
        DecimalMark::Auto,
        expect![[r#"
            |12.345| => error: `12.345` has more decimals than USD allows (2)
            |abc| => error: `abc` is not an amount of money
            || => error: `` is not an amount of money
            |1.2.3,4| => error: `1.2.3,4` is not an amount of money
            |1,2345.00| => error: `1,2345.00` is not an amount of money
            |--5| => error: `--5` is not an amount of money
            |1e5| => error: `1e5` is not an amount of money
            |99999999999999999999| => error: `99999999999999999999` is too large an amount
            |1.5| => error: `1.5` has more decimals than JPY allows (0)
        "#]],
    );
}

#[test]
fn a_known_decimal_mark_settles_ambiguous_amounts() {
    check(
        r"
        EUR |1.234|
        EUR |1.234,5|
        EUR |-12,00|
        ",
        DecimalMark::Comma,
        expect![[r#"
            |1.234| => 1234.00 EUR
            |1.234,5| => 1234.50 EUR
            |-12,00| => -12.00 EUR
        "#]],
    );
}

#[test]
fn money_goes_over_the_wire_as_a_decimal_string() {
    let m = Money::parse("-1,234.56", Currency::USD).unwrap();
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(json, r#"{"amount":"-1234.56","currency":"USD"}"#);
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    assert!(serde_json::from_str::<Money>(r#"{"amount":"1.001","currency":"USD"}"#).is_err());
}

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["USD", "EUR", "JPY", "BHD", "CLF", "GBP"]).prop_map(|c| Currency::new(c).unwrap())
}

proptest! {
    #[test]
    fn formatting_then_parsing_gives_back_the_same_money(minor in any::<i64>().prop_filter("not MIN", |m| *m != i64::MIN), cur in currency(), group in any::<bool>()) {
        let m = Money::from_minor(minor, cur);
        prop_assert_eq!(Money::parse_with(&m.format(DecimalMark::Point, group), cur, DecimalMark::Point).unwrap(), m);
        prop_assert_eq!(Money::parse_with(&m.format(DecimalMark::Comma, group), cur, DecimalMark::Comma).unwrap(), m);
        prop_assert_eq!(Money::parse(&m.to_plain_string(), cur).unwrap(), m);
    }

    #[test]
    fn decimal_conversion_is_exact_both_ways(minor in any::<i64>(), cur in currency()) {
        let m = Money::from_minor(minor, cur);
        let d: Decimal = m.to_decimal();
        prop_assert_eq!(Money::from_decimal(d, cur).unwrap(), m);
    }

    #[test]
    fn sums_are_exact(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
        let (x, y) = (Money::from_minor(a, Currency::USD), Money::from_minor(b, Currency::USD));
        prop_assert_eq!(x.checked_add(y).unwrap().to_decimal(), x.to_decimal() + y.to_decimal());
        prop_assert_eq!(x.checked_sub(y).unwrap().checked_add(y).unwrap(), x);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in "\\PC{0,24}") {
        let _ = Money::parse(&s, Currency::USD);
    }
}

#[test]
fn currencies_never_mix() {
    let err = Money::from_minor(1, Currency::USD).checked_add(Money::from_minor(1, Currency::EUR)).unwrap_err();
    assert_eq!(err.to_string(), "cannot combine USD with EUR");
}
