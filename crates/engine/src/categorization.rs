//! Categorization's stored parts: the user's rules and the rules learned from their overrides
//! (in `rules`, always visible and editable), the crowd's votes, and what the categorizer would
//! decide for a descriptor. They are applied to transactions when they are first stored
//! (`crate::ingestion`), and to stored ones only when the user applies a rule.

use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use spearmint_core::{
    Categorizer, CategoryId, Condition, Decision, Input, Money, ProfileModel, Rule, RuleActions, RuleId, RuleOrigin,
    TransactionId,
};

use spearmint_core::CrowdVotes;

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Hint, Result};
use crate::vault::{Reader, Table, now_rfc3339};

/// Every rule, user rules first, each group in the user's order.
pub(crate) fn rules(engine: &Engine) -> Result<Vec<Rule>> {
    engine.with_vault(|v| load_rules(v.read()))
}

/// Adds a rule at the end of its group; returns its id.
pub(crate) fn add_rule(
    engine: &Engine,
    conditions: Vec<Condition>,
    actions: RuleActions,
    origin: RuleOrigin,
) -> Result<RuleId> {
    let id = RuleId::new();
    let rule = Rule { id, origin, conditions, actions, enabled: true };
    rule.validate().map_err(|e| Error::new(ErrorKind::Invalid, format!("the rule is not valid: {e}")))?;
    engine.with_vault(|v| {
        let position: i64 = v.read().query_row("SELECT coalesce(max(position), 0) + 1 FROM rules", [], |r| r.get(0))?;
        let conditions =
            serde_json::to_string(&rule.conditions).map_err(|e| Error::internal("cannot encode the rule", e))?;
        let actions = serde_json::to_string(&rule.actions).map_err(|e| Error::internal("cannot encode the rule", e))?;
        let now = now_rfc3339();
        v.write(|w| {
            w.insert(
                Table::RULES,
                &id.to_string(),
                &[
                    ("position", Value::Integer(position)),
                    ("origin", Value::Text(origin.as_str().into())),
                    ("conditions", Value::Text(conditions)),
                    ("actions", Value::Text(actions)),
                    ("enabled", Value::Integer(1)),
                    ("created_at", Value::Text(now.clone())),
                    ("updated_at", Value::Text(now)),
                ],
            )
        })
    })?;
    Ok(id)
}

/// Changes what a rule sets, or turns it off or on. `category`/`rename`: `Some(None)` clears.
pub(crate) fn edit_rule(
    engine: &Engine,
    id: RuleId,
    category: Option<Option<CategoryId>>,
    rename: Option<Option<String>>,
    enabled: Option<bool>,
) -> Result<Rule> {
    let mut rule = rules(engine)?.into_iter().find(|r| r.id == id).ok_or_else(|| {
        Error::new(ErrorKind::NotFound, format!("there is no rule {id}: choose one from the rule list"))
            .with_hint(Hint::ListRules)
    })?;
    if let Some(c) = category {
        rule.actions.category = c;
    }
    if let Some(r) = rename {
        rule.actions.rename = r;
    }
    if let Some(e) = enabled {
        rule.enabled = e;
    }
    rule.validate().map_err(|e| Error::new(ErrorKind::Invalid, format!("the rule is not valid: {e}")))?;
    let actions = serde_json::to_string(&rule.actions).map_err(|e| Error::internal("cannot encode the rule", e))?;
    engine.with_vault(|v| {
        v.write(|w| {
            w.update(
                Table::RULES,
                &id.to_string(),
                &[
                    ("actions", Value::Text(actions)),
                    ("enabled", Value::Integer(i64::from(rule.enabled))),
                    ("updated_at", Value::Text(now_rfc3339())),
                ],
            )
            .map(|_| ())
        })
    })?;
    Ok(rule)
}

pub(crate) fn delete_rule(engine: &Engine, id: RuleId) -> Result<()> {
    engine.with_vault(|v| {
        v.write(|w| {
            if w.delete(Table::RULES, &id.to_string())? {
                Ok(())
            } else {
                Err(Error::new(ErrorKind::NotFound, format!("there is no rule {id}: choose one from the rule list"))
                    .with_hint(Hint::ListRules))
            }
        })
    })
}

/// "Apply to this seller from now on": a learned rule, visible in the rule list, that gives
/// this transaction's seller its category in future transactions (stored rows untouched).
pub(crate) fn learn_from(engine: &Engine, id: TransactionId) -> Result<RuleId> {
    let (seller, category): (Option<String>, Option<String>) = engine.with_vault(|v| {
        v.read()
            .query_row("SELECT seller_normalized, category_id FROM transactions WHERE id = ?1", [id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no transaction {id}")))
    })?;
    let seller = seller
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::new(ErrorKind::Invalid, "this transaction has no seller to learn from"))?;
    let category = category.ok_or_else(|| Error::new(ErrorKind::Invalid, "set the transaction's category first"))?;
    add_rule(
        engine,
        vec![Condition::PayeeIs(seller)],
        RuleActions { category: Some(category.into()), rename: None },
        RuleOrigin::Learned,
    )
}

/// Applies one rule to stored transactions: an explicit action, never automatic. Rows the
/// user categorized (locked) are left alone. With `dry_run` nothing changes and the result
/// is exactly what would change (the same code runs, then rolls back).
pub(crate) fn apply_rule(engine: &Engine, rule_id: RuleId, dry_run: bool) -> Result<Vec<RuleChange>> {
    let rule = rules(engine)?.into_iter().find(|r| r.id == rule_id).ok_or_else(|| {
        Error::new(ErrorKind::NotFound, format!("there is no rule {rule_id}: choose one from the rule list"))
            .with_hint(Hint::ListRules)
    })?;
    let (category, rename) = (rule.actions.category.clone(), rule.actions.rename.clone());
    if category.is_none() && rename.is_none() {
        return Err(Error::new(ErrorKind::Invalid, "this rule sets neither a category nor a payee name"));
    }
    let source = if rule.origin == RuleOrigin::Learned { "learned" } else { "rule" };
    engine.with_vault(|v| {
        let mut stmt = v.read().prepare(
            "SELECT id, account_id, seller, amount_minor, currency, category_id, payee FROM transactions
             WHERE category_locked = 0",
        )?;
        #[allow(clippy::type_complexity)]
        let rows: Vec<(String, String, String, i64, String, Option<String>, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        let mut changes = Vec::new();
        for (id, account, seller, minor, currency, old, old_payee) in rows {
            let (Ok(id), Ok(account), Ok(cur)) =
                (id.parse::<TransactionId>(), account.parse(), spearmint_core::Currency::new(&currency))
            else {
                continue;
            };
            let old = old.map(CategoryId::from);
            let input = Input { descriptor: &seller, amount: Money::from_minor(minor, cur), account, mcc: None };
            let normalized = spearmint_core::seller::normalize(&seller);
            if !(rule.enabled && rule.matches(&input, &normalized)) {
                continue;
            }
            let to = category.clone().or_else(|| old.clone()).unwrap_or_else(|| "UNCATEGORIZED".into());
            let payee = rename.clone().or(old_payee.clone());
            if Some(&to) != old.as_ref() || payee != old_payee {
                changes.push(RuleChange { transaction: id, seller, from: old, to, payee });
            }
        }
        let write = |w: &mut crate::vault::Writer<'_>| -> Result<()> {
            for c in &changes {
                let mut cells = Vec::new();
                if category.is_some() {
                    cells.push(("category_id", Value::Text(c.to.to_string())));
                    cells.push(("category_source", Value::Text(source.into())));
                    cells.push(("category_reason", Value::Null));
                }
                if rename.is_some() {
                    cells.push(("payee", c.payee.clone().map_or(Value::Null, Value::Text)));
                }
                w.update(Table::TRANSACTIONS, &c.transaction.to_string(), &cells)?;
            }
            Ok(())
        };
        if dry_run {
            v.dry_run(write)?;
        } else {
            v.write(write)?;
        }
        Ok(changes)
    })
}

/// Records the crowd's votes for a seller's category (the sync server will supply them; a
/// local table now). `seller` is normalized here.
pub(crate) fn record_crowd_votes(engine: &Engine, seller: &str, category: &str, votes: u32) -> Result<()> {
    if votes == 0 {
        return Err(Error::new(ErrorKind::Invalid, "a crowd vote count is at least 1"));
    }
    let seller = spearmint_core::seller::normalize(seller);
    engine.with_vault(|v| {
        v.write(|w| {
            w.upsert_keyed(
                Table::CROWD_VOTES,
                &format!("{seller}|{category}"),
                &[("seller", Value::Text(seller.clone())), ("category_id", Value::Text(category.to_owned()))],
                &[("votes", Value::Integer(i64::from(votes))), ("updated_at", Value::Text(now_rfc3339()))],
            )
        })
    })
}

/// What the categorizer would decide for a descriptor now, and why.
pub(crate) fn categorize(engine: &Engine, descriptor: &str, amount: Money, mcc: Option<u16>) -> Result<Decision> {
    let mut decisions = categorize_many(engine, &[(descriptor, amount, mcc)])?;
    decisions.pop().ok_or_else(|| Error::new(ErrorKind::Internal, "the categorizer gave no answer"))
}

/// What the categorizer would decide for each descriptor now, in order.
pub(crate) fn categorize_many(engine: &Engine, inputs: &[(&str, Money, Option<u16>)]) -> Result<Vec<Decision>> {
    let rules = rules(engine)?;
    let (crowd, profile) = engine.with_vault(|v| Ok((load_crowd(v.read())?, load_profile(v.read())?)))?;
    let categorizer = Categorizer::new(&rules, engine.dictionary(), &crowd).with_profile(&profile);
    let account = spearmint_core::AccountId::from_uuid(uuid::Uuid::nil());
    Ok(inputs
        .iter()
        .map(|&(descriptor, amount, mcc)| categorizer.categorize(&Input { descriptor, amount, account, mcc }))
        .collect())
}

/// A category as pickers show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    /// The top-level category it belongs to; `None` for a top-level one.
    pub parent: Option<CategoryId>,
    /// expense, income, transfer or uncategorized.
    pub kind: String,
}

/// Every category the user can choose, top-level ones each followed by their children.
pub(crate) fn categories(r: Reader<'_>) -> Result<Vec<Category>> {
    let mut stmt = r.prepare(
        "SELECT c.id, c.name, c.parent_id, c.kind FROM categories c
         LEFT JOIN categories p ON p.id = c.parent_id
         WHERE c.hidden = 0
         ORDER BY coalesce(p.name, c.name), c.parent_id IS NOT NULL, c.name",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(Category {
            id: CategoryId::from(row.get::<_, String>(0)?.as_str()),
            name: row.get(1)?,
            parent: row.get::<_, Option<String>>(2)?.map(|p| CategoryId::from(p.as_str())),
            kind: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One transaction a rule would re-categorize (or did).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RuleChange {
    pub transaction: TransactionId,
    pub seller: String,
    pub from: Option<CategoryId>,
    pub to: CategoryId,
    /// The payee name after the change (a rule's rename).
    pub payee: Option<String>,
}

/// The crowd's top vote per seller, from the local `crowd_votes` table.
#[derive(Debug, Default)]
pub(crate) struct LocalCrowd {
    top: std::collections::HashMap<String, String>,
}

impl CrowdVotes for LocalCrowd {
    fn top_vote(&self, seller: &str) -> Option<String> {
        self.top.get(seller).cloned()
    }
}

/// The model of the user's corrections: every seller they categorized by hand, the latest
/// choice last (read through `transactions_user_categorized`, which holds only those rows).
pub(crate) fn load_profile(r: Reader<'_>) -> Result<ProfileModel> {
    let mut stmt = r.prepare_cached(
        "SELECT seller_normalized, category_id FROM transactions INDEXED BY transactions_user_categorized
         WHERE category_source = 'user' AND seller_normalized IS NOT NULL AND category_id IS NOT NULL
         ORDER BY updated_at, id",
    )?;
    let rows: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(ProfileModel::learn(rows.iter().map(|(s, c)| (s.as_str(), c.as_str()))))
}

pub(crate) fn load_crowd(r: Reader<'_>) -> Result<LocalCrowd> {
    // Highest votes first; ties to the smaller category id, so the choice is stable.
    let mut stmt =
        r.prepare_cached("SELECT seller, category_id FROM crowd_votes ORDER BY seller, votes DESC, category_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut crowd = LocalCrowd::default();
    for row in rows {
        let (seller, category) = row?;
        crowd.top.entry(seller).or_insert(category);
    }
    Ok(crowd)
}

/// The user's and the learned rules, in the user's order.
pub(crate) fn load_rules(r: Reader<'_>) -> Result<Vec<Rule>> {
    let mut stmt =
        r.prepare_cached("SELECT id, origin, conditions, actions, enabled FROM rules ORDER BY position, id")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    let mut rules = Vec::new();
    for row in rows {
        let (id, origin, conditions, actions, enabled) = row?;
        let corrupt = || {
            Error::new(ErrorKind::Corrupt, format!("rule {id} is damaged: delete it, and add it again if you need it"))
                .with_hint(Hint::DeleteRule(id.clone()))
        };
        rules.push(Rule {
            origin: if origin == "learned" { RuleOrigin::Learned } else { RuleOrigin::User },
            conditions: serde_json::from_str(&conditions).map_err(|_| corrupt())?,
            actions: serde_json::from_str(&actions).map_err(|_| corrupt())?,
            enabled,
            id: id.parse().map_err(|_| corrupt())?,
        });
    }
    Ok(rules)
}
