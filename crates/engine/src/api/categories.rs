//! Rules, learning from the user's corrections, the crowd, and "why this category".

use spearmint_core::{CategoryId, Condition, Decision, Money, Rule, RuleActions, RuleId, RuleOrigin, TransactionId};

use crate::categorization::{self, Category, RuleChange};
use crate::engine::Engine;
use crate::error::Result;

impl Engine {
    /// Every category the user can choose, each top-level one followed by its children.
    pub fn categories(&self) -> Result<Vec<Category>> {
        self.with_vault(|v| categorization::categories(v.read()))
    }

    /// Every rule, user rules first, each group in the user's order.
    pub fn rules(&self) -> Result<Vec<Rule>> {
        categorization::rules(self)
    }

    /// Adds a rule at the end of its group; returns its id.
    pub fn add_rule(&self, conditions: Vec<Condition>, actions: RuleActions, origin: RuleOrigin) -> Result<RuleId> {
        categorization::add_rule(self, conditions, actions, origin)
    }

    /// Changes what a rule sets, or turns it off or on. `category`/`rename`: `Some(None)` clears.
    pub fn edit_rule(
        &self,
        id: RuleId,
        category: Option<Option<CategoryId>>,
        rename: Option<Option<String>>,
        enabled: Option<bool>,
    ) -> Result<Rule> {
        categorization::edit_rule(self, id, category, rename, enabled)
    }

    pub fn delete_rule(&self, id: RuleId) -> Result<()> {
        categorization::delete_rule(self, id)
    }

    /// "Apply to this seller from now on": a learned rule, visible in the rule list, that gives
    /// this transaction's seller its category in future transactions (stored rows untouched).
    pub fn learn_from(&self, id: TransactionId) -> Result<RuleId> {
        categorization::learn_from(self, id)
    }

    /// Applies one rule to stored transactions: an explicit action, never automatic. Rows the
    /// user categorized (locked) are left alone. With `dry_run` nothing changes and the result
    /// is exactly what would change (the same code runs, then rolls back).
    pub fn apply_rule(&self, rule_id: RuleId, dry_run: bool) -> Result<Vec<RuleChange>> {
        categorization::apply_rule(self, rule_id, dry_run)
    }

    /// Records the crowd's votes for a seller's category (the sync server will supply them; a
    /// local table now). `seller` is normalized here.
    pub fn record_crowd_votes(&self, seller: &str, category: impl Into<CategoryId>, votes: u32) -> Result<()> {
        categorization::record_crowd_votes(self, seller, category.into().as_str(), votes)
    }

    /// What the categorizer would decide for a descriptor now, and why.
    pub fn categorize(&self, descriptor: &str, amount: Money, mcc: Option<u16>) -> Result<Decision> {
        categorization::categorize(self, descriptor, amount, mcc)
    }

    /// The same for many descriptors at once (`spearmint categorize -`), in order: the rules,
    /// the crowd and the user's corrections are read once.
    pub fn categorize_many(&self, inputs: &[(&str, Money, Option<u16>)]) -> Result<Vec<Decision>> {
        categorization::categorize_many(self, inputs)
    }
}
