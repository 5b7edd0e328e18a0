//! Budget math: the recommended budget and threshold crossings. Pure: callers pass the month
//! totals they read from the vault.
//!
//! Recommendation: while there are fewer than three complete months of history, the seed's
//! income-tier template (housing 40%, food 20%, gas 10%, shopping 20%, the rest for bills);
//! after that, each category's typical month — the median of its recent complete months —
//! rounded to sensible amounts and scaled down to fit the detected income.

use crate::money::Money;

/// Months of history the typical month is taken from.
pub const HISTORY_MONTHS: usize = 6;
/// Complete months needed before history replaces the template.
pub const MIN_COMPLETE_MONTHS: usize = 3;

/// The template's share of monthly income, per category, in percent.
/// Lower incomes spend a larger share on housing and food; higher ones on shopping.
pub fn template(monthly_income: Money) -> Vec<(&'static str, u32)> {
    let dollars = monthly_income.minor() / 10i64.pow(monthly_income.currency().minor_digits());
    if dollars < 3_000 {
        vec![("HOUSING", 40), ("FOOD", 20), ("GAS", 10), ("SHOPPING", 20), ("UTILITIES", 10)]
    } else if dollars < 8_000 {
        vec![("HOUSING", 35), ("FOOD", 15), ("GAS", 10), ("SHOPPING", 20), ("UTILITIES", 10)]
    } else {
        vec![("HOUSING", 30), ("FOOD", 12), ("GAS", 8), ("SHOPPING", 20), ("UTILITIES", 8)]
    }
}

/// Rounds a positive amount to what a person would write down: to 5 under 100, to 10 under
/// 1,000, to 50 above (in whole currency units).
pub fn round_sensibly(amount: Money) -> Money {
    let unit = 10i64.pow(amount.currency().minor_digits());
    let whole = amount.minor().max(0);
    let step = if whole < 100 * unit {
        5 * unit
    } else if whole < 1_000 * unit {
        10 * unit
    } else {
        50 * unit
    };
    let rounded = (whole + step / 2) / step * step;
    Money::from_minor(rounded.max(if whole > 0 { step } else { 0 }), amount.currency())
}

/// The median of non-negative amounts (the lower middle for an even count, so it is exact).
pub fn median(mut values: Vec<i64>) -> i64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[(values.len() - 1) / 2]
}

/// Recommends a monthly budget per category. `history` holds, per category, what was spent in
/// each recent complete month (positive minor units, most recent last); `complete_months` says
/// how many complete months there are; `income` is the detected monthly income.
pub fn recommend(history: &[(String, Vec<i64>)], complete_months: usize, income: Money) -> Vec<(String, Money)> {
    let currency = income.currency();
    if complete_months < MIN_COMPLETE_MONTHS {
        return template(income)
            .into_iter()
            .map(|(c, pct)| {
                (
                    c.to_owned(),
                    round_sensibly(Money::from_minor(
                        income.minor().max(0).saturating_mul(i64::from(pct)) / 100,
                        currency,
                    )),
                )
            })
            .collect();
    }
    let mut typical: Vec<(String, i64)> = history
        .iter()
        .map(|(c, months)| {
            let recent: Vec<i64> = months.iter().rev().take(HISTORY_MONTHS).copied().collect();
            (c.clone(), median(recent))
        })
        .filter(|(_, m)| *m > 0)
        .collect();
    let total: i64 = typical.iter().fold(0i64, |sum, (_, m)| sum.saturating_add(*m));
    // Scale down to fit the income, when spending runs above it.
    if income.minor() > 0 && total > income.minor() {
        for (_, m) in &mut typical {
            *m = i64::try_from(i128::from(*m) * i128::from(income.minor()) / i128::from(total)).unwrap_or(*m);
        }
    }
    typical.into_iter().map(|(c, m)| (c, round_sensibly(Money::from_minor(m, currency)))).collect()
}

/// The thresholds (percent of the budget) that `spent` has reached, of those given.
pub fn crossed(spent: Money, budget: Money, thresholds: &[u32]) -> Vec<u32> {
    if budget.minor() <= 0 || budget.currency() != spent.currency() {
        return Vec::new();
    }
    thresholds
        .iter()
        .copied()
        .filter(|t| i128::from(spent.minor()) * 100 >= i128::from(budget.minor()) * i128::from(*t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(d: i64) -> Money {
        Money::from_minor(d * 100, Currency::USD)
    }

    #[test]
    fn the_template_follows_the_seed_for_a_modest_income() {
        let r = recommend(&[], 0, usd(2_500));
        assert_eq!(r[0], ("HOUSING".to_owned(), usd(1_000)));
        assert_eq!(r[1], ("FOOD".to_owned(), usd(500)));
        assert_eq!(r[2], ("GAS".to_owned(), usd(250)));
        assert_eq!(r[3], ("SHOPPING".to_owned(), usd(500)));
    }

    #[test]
    fn history_gives_the_typical_month_rounded_and_fitted_to_income() {
        let history = vec![
            ("FOOD_GROCERIES".to_owned(), vec![41_200, 39_900, 120_000, 40_500]),
            ("GAS".to_owned(), vec![6_100, 5_800, 6_300]),
        ];
        let r = recommend(&history, 4, usd(5_000));
        assert_eq!(r, vec![("FOOD_GROCERIES".to_owned(), usd(410)), ("GAS".to_owned(), usd(60))]);
        // Spending above income is scaled down to fit it.
        let r = recommend(&[("HOUSING".to_owned(), vec![300_000; 3])], 3, usd(2_000));
        assert_eq!(r, vec![("HOUSING".to_owned(), usd(2_000))]);
    }

    #[test]
    fn rounding_is_sensible() {
        assert_eq!(round_sensibly(Money::from_minor(4_321, Currency::USD)), usd(45));
        assert_eq!(round_sensibly(Money::from_minor(43_210, Currency::USD)), usd(430));
        assert_eq!(round_sensibly(Money::from_minor(432_100, Currency::USD)), usd(4_300));
        assert_eq!(
            round_sensibly(Money::from_minor(100, Currency::USD)),
            usd(5),
            "never rounds a real expense to zero"
        );
    }

    #[test]
    fn thresholds_are_exact_at_the_boundary() {
        assert_eq!(crossed(usd(80), usd(100), &[80, 100]), vec![80]);
        assert_eq!(crossed(Money::from_minor(7_999, Currency::USD), usd(100), &[80, 100]), Vec::<u32>::new());
        assert_eq!(crossed(usd(100), usd(100), &[80, 100]), vec![80, 100]);
        assert_eq!(crossed(usd(5), usd(0), &[80]), Vec::<u32>::new(), "no budget, no alert");
    }
}
