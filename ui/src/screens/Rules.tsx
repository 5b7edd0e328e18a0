// The Rules screen: every rule (the user's, then those learned from their choices), in words;
// adding one, changing what it does, turning it off, deleting it, and applying it to past
// transactions after a preview of exactly what would change.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import * as api from "../api";
import type { AccountSummary } from "../bindings/AccountSummary";
import type { Category } from "../bindings/Category";
import type { CategoryId } from "../bindings/CategoryId";
import type { Condition } from "../bindings/Condition";
import type { IpcError } from "../bindings/IpcError";
import type { Rule } from "../bindings/Rule";
import type { RuleActions } from "../bindings/RuleActions";
import type { RuleChange } from "../bindings/RuleChange";
import type { RuleId } from "../bindings/RuleId";
import { ErrorBanner } from "../ErrorBanner";
import type { LedgerModel } from "../ledger";
import { NeedsUnlock } from "../LedgerParts";
import { formatCount } from "../ledgerText";
import { formatMoney } from "../money";
import { screenHref } from "../navigation";
import { sellerName } from "../spending";
import "./rules.css";

type Props = { unlocked: boolean; ledger: LedgerModel };

export function Rules({ unlocked, ledger }: Props) {
  if (!unlocked) return <NeedsUnlock what="your rules" />;
  return <RulesBody accounts={ledger.accounts} />;
}

// ---- Words ----------------------------------------------------------------

/** A decimal amount as the form takes it: `-25`, `12.5`, `1234.56`. */
export const DECIMAL = /^-?\d+(\.\d{1,2})?$/;

/** An amount in cents, exactly (a BigInt, never a float), from a string DECIMAL accepts. */
function centsOf(amount: string): bigint {
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = amount.replace(/^-/, "").split(".");
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  return negative ? -cents : cents;
}

/** Whether the amount `a` is above `b` (both accepted by DECIMAL), compared as strings of digits. */
export function isAbove(a: string, b: string): boolean {
  return centsOf(a) > centsOf(b);
}

/** A category's name; "Uncategorized" for none, its id when the list does not know it. */
export function categoryName(categories: readonly Category[], id: CategoryId | null): string {
  if (id === null) return "Uncategorized";
  return categories.find((c) => c.id === id)?.name ?? id;
}

/** One condition in words: `Payee is “blue bottle”`, `Amount between -$20.00 and -$5.00`. */
export function conditionText(condition: Condition, accounts: readonly AccountSummary[] | null = null): string {
  if ("payee_is" in condition) return `Payee is “${condition.payee_is}”`;
  if ("payee_contains" in condition) return `Payee contains “${condition.payee_contains}”`;
  if ("payee_matches" in condition) return `Payee matches “${condition.payee_matches}”`;
  if ("account" in condition) {
    const account = accounts?.find((a) => a.id === condition.account);
    return `Account is ${account?.name ?? condition.account}`;
  }
  const { min, max } = condition.amount_between;
  if (min !== null && max !== null) return `Amount between ${formatMoney(min)} and ${formatMoney(max)}`;
  if (min !== null) return `Amount at least ${formatMoney(min)}`;
  if (max !== null) return `Amount at most ${formatMoney(max)}`;
  return "Any amount";
}

/** Every condition of a rule, joined: a rule matches when all of them hold. */
export function conditionsText(conditions: readonly Condition[], accounts: readonly AccountSummary[] | null = null): string {
  if (conditions.length === 0) return "Every transaction";
  return conditions.map((c, i) => (i === 0 ? conditionText(c, accounts) : lowerFirst(conditionText(c, accounts)))).join(" and ");
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** What a rule does, in words, with the category's name (never its id). */
export function actionsText(actions: RuleActions, categories: readonly Category[]): string {
  const parts: string[] = [];
  if (actions.category !== null) parts.push(`set the category to ${categoryName(categories, actions.category)}`);
  if (actions.rename !== null && actions.rename.trim() !== "") parts.push(`show the payee as “${actions.rename}”`);
  return parts.length === 0 ? "change nothing" : parts.join(" and ");
}

function transactionsText(n: number): string {
  return `${formatCount(n)} transaction${n === 1 ? "" : "s"}`;
}

// ---- The screen -------------------------------------------------------------

/** What is open on one rule's row: its edit form, its delete confirmation, or its preview. */
type Open =
  | { kind: "edit"; rule: RuleId }
  | { kind: "delete"; rule: RuleId }
  | { kind: "preview"; rule: RuleId; changes: RuleChange[] };

/** How many preview rows are listed; the count says how many there are in all. */
const PREVIEW_ROWS = 100;

function RulesBody({ accounts }: { accounts: AccountSummary[] | null }) {
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [categories, setCategories] = useState<Category[] | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [open, setOpen] = useState<Open | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ rule: RuleId; error: IpcError } | null>(null);
  const [status, setStatus] = useState("");
  const live = useRef(true);
  const statusRef = useRef<HTMLParagraphElement>(null);
  // Where focus goes after the next render: a control's testid, or the status message.
  const focusNext = useRef<string | null>(null);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const loadRules = useCallback(async () => {
    const list = await api.list_rules();
    if (live.current) setRules(list);
  }, []);

  useEffect(() => {
    void (async () => {
      try {
        const [list, cats] = await Promise.all([api.list_rules(), api.list_categories()]);
        if (!live.current) return;
        setRules(list);
        setCategories(cats);
        setLoadError(null);
      } catch (rejection) {
        if (live.current) setLoadError(api.toIpcError(rejection));
      }
    })();
  }, []);

  useEffect(() => {
    const target = focusNext.current;
    if (target === null) return;
    focusNext.current = null;
    if (target === "status") statusRef.current?.focus();
    else document.querySelector<HTMLElement>(`[data-testid="${target}"]`)?.focus();
  });

  /** Runs one change to a rule: the buttons wait, a refusal shows on its row, and the list is read again. */
  const run = async (rule: RuleId, work: () => Promise<void>) => {
    setBusy(true);
    setFailure(null);
    setStatus("");
    try {
      await work();
    } catch (rejection) {
      const error = api.toIpcError(rejection);
      if (!live.current) return;
      setFailure({ rule, error });
      if (error.kind === "NotFound") {
        // Gone already (deleted elsewhere): show the list as it is now.
        setOpen(null);
        await loadRules().catch(() => undefined);
      }
    } finally {
      if (live.current) setBusy(false);
    }
  };

  const done = (text: string) => {
    setStatus(text);
    setOpen(null);
    focusNext.current = "status";
  };

  const toggle = (rule: Rule) =>
    run(rule.id, async () => {
      const updated = await api.edit_rule(rule.id, rule.actions, !rule.enabled);
      await loadRules();
      setStatus(
        updated.enabled
          ? "Rule turned on: new transactions that match it follow it again."
          : "Rule turned off: new transactions no longer follow it. Turn it on again at any time.",
      );
      if (open?.kind === "edit" && open.rule === rule.id) setOpen(null);
    });

  const saveActions = (rule: Rule, actions: RuleActions) =>
    run(rule.id, async () => {
      await api.edit_rule(rule.id, actions, rule.enabled);
      await loadRules();
      done("Rule saved. New transactions that match it follow it from now on.");
    });

  const remove = (rule: Rule) =>
    run(rule.id, async () => {
      await api.delete_rule(rule.id);
      await loadRules();
      done("Rule deleted. The transactions it categorized keep their category.");
    });

  const preview = (rule: Rule) =>
    run(rule.id, async () => {
      const changes = await api.apply_rule(rule.id, true);
      setOpen({ kind: "preview", rule: rule.id, changes });
      focusNext.current = "rule-preview-count";
    });

  const apply = (rule: Rule) =>
    run(rule.id, async () => {
      const changed = await api.apply_rule(rule.id, false);
      done(
        changed.length === 0
          ? "No transaction changed: they already had this category, or you chose theirs yourself."
          : `Changed ${transactionsText(changed.length)}.`,
      );
    });

  const cancel = (opener: string) => {
    setOpen(null);
    focusNext.current = opener;
  };

  if (loadError !== null) {
    return (
      <section className="card" aria-labelledby="rules-title">
        <h2 id="rules-title">Your rules</h2>
        <ErrorBanner error={loadError} />
      </section>
    );
  }
  if (rules === null || categories === null) {
    return (
      <section className="card" aria-labelledby="rules-title">
        <h2 id="rules-title">Your rules</h2>
        <p className="muted" role="status">
          Loading…
        </p>
      </section>
    );
  }

  const orphan = failure !== null && !rules.some((r) => r.id === failure.rule) ? failure.error : null;
  return (
    <>
      <section className="card" aria-labelledby="rules-title">
        <h2 id="rules-title">Your rules</h2>
        <p role="status" className="rules-status" data-testid="rules-status" tabIndex={-1} ref={statusRef}>
          {status}
        </p>
        {orphan && <ErrorBanner error={orphan} />}
        {rules.length === 0 ? (
          <NoRules />
        ) : (
          <>
            <p className="muted small">
              Each new transaction follows the first rule it matches, your own rules before the learned ones.
            </p>
            <ul className="rule-list" data-testid="rules-list">
              {rules.map((rule) => (
                <RuleRow
                  key={rule.id}
                  rule={rule}
                  accounts={accounts}
                  categories={categories}
                  open={open !== null && open.rule === rule.id ? open : null}
                  busy={busy}
                  error={failure !== null && failure.rule === rule.id ? failure.error : null}
                  onEdit={() => {
                    setFailure(null);
                    setOpen(open?.kind === "edit" && open.rule === rule.id ? null : { kind: "edit", rule: rule.id });
                    focusNext.current = `rule-edit-category-${rule.id}`;
                  }}
                  onSave={(actions) => void saveActions(rule, actions)}
                  onToggle={() => void toggle(rule)}
                  onDelete={() => {
                    setFailure(null);
                    setOpen({ kind: "delete", rule: rule.id });
                    focusNext.current = `rule-delete-cancel-${rule.id}`;
                  }}
                  onConfirmDelete={() => void remove(rule)}
                  onPreview={() => void preview(rule)}
                  onApply={() => void apply(rule)}
                  onCancel={cancel}
                />
              ))}
            </ul>
          </>
        )}
      </section>
      <AddRule
        accounts={accounts}
        categories={categories}
        onAdded={async () => {
          await loadRules();
          setStatus("");
        }}
      />
    </>
  );
}

function NoRules() {
  return (
    <div className="empty" data-testid="rules-empty">
      <p>No rules yet.</p>
      <p className="muted">
        A rule picks a category (and, if you like, a clearer name) for every transaction that matches it, for example
        each payment whose payee contains “coffee”. Add one below.
      </p>
      <p className="muted">
        When you choose a category on the <a href={screenHref("transactions")}>Transactions</a> screen with “from now on”,
        Spearmint learns a rule from it and lists it here, where you can change or delete it.
      </p>
    </div>
  );
}

type RowProps = {
  rule: Rule;
  accounts: AccountSummary[] | null;
  categories: Category[];
  open: Open | null;
  busy: boolean;
  error: IpcError | null;
  onEdit: () => void;
  onSave: (actions: RuleActions) => void;
  onToggle: () => void;
  onDelete: () => void;
  onConfirmDelete: () => void;
  onPreview: () => void;
  onApply: () => void;
  onCancel: (opener: string) => void;
};

function RuleRow(props: RowProps) {
  const { rule, accounts, categories, open, busy, error } = props;
  const id = useId();
  const when = conditionsText(rule.conditions, accounts);
  const learned = rule.origin === "learned";
  return (
    <li
      className={`rule-row${rule.enabled ? "" : " rule-off"}`}
      data-testid={`rule-${rule.id}`}
      data-origin={rule.origin}
      data-enabled={rule.enabled}
      aria-labelledby={`${id}-when`}
    >
      <div className="rule-head">
        <p className="rule-when" id={`${id}-when`}>
          <span className="rule-label">When</span> {when}
        </p>
        <span className="rule-badges">
          {learned && (
            <span className="rule-badge rule-badge-learned" data-testid="rule-learned">
              Learned from you
            </span>
          )}
          <span
            className={`rule-badge ${rule.enabled ? "rule-badge-on" : "rule-badge-off"}`}
            data-testid={`rule-state-${rule.id}`}
          >
            {rule.enabled ? "On" : "Off"}
          </span>
        </span>
      </div>
      <p className="rule-then">
        <span className="rule-label">Then</span> {actionsText(rule.actions, categories)}
      </p>
      {!rule.enabled && <p className="muted small">Off: new transactions do not follow this rule until you turn it on.</p>}
      <div className="actions rule-actions">
        <button
          type="button"
          className="secondary"
          data-testid={`rule-edit-${rule.id}`}
          aria-expanded={open?.kind === "edit"}
          aria-describedby={`${id}-when`}
          disabled={busy}
          onClick={props.onEdit}
        >
          Edit
        </button>
        <button
          type="button"
          className="secondary"
          data-testid={`rule-toggle-${rule.id}`}
          aria-describedby={`${id}-when`}
          disabled={busy}
          onClick={props.onToggle}
        >
          {rule.enabled ? "Turn off" : "Turn on"}
        </button>
        <button
          type="button"
          className="secondary"
          data-testid={`rule-apply-${rule.id}`}
          aria-describedby={`${id}-when`}
          disabled={busy}
          onClick={props.onPreview}
        >
          Apply to past transactions
        </button>
        <button
          type="button"
          className="quiet push-end"
          data-testid={`rule-delete-${rule.id}`}
          aria-describedby={`${id}-when`}
          disabled={busy || open?.kind === "delete"}
          onClick={props.onDelete}
        >
          Delete…
        </button>
      </div>
      {open?.kind === "edit" && (
        <EditActions
          rule={rule}
          categories={categories}
          busy={busy}
          onSave={props.onSave}
          onCancel={() => props.onCancel(`rule-edit-${rule.id}`)}
        />
      )}
      {open?.kind === "delete" && (
        <div className="rule-confirm" role="group" aria-labelledby={`${id}-delete`}>
          <p id={`${id}-delete`}>
            <strong>Delete this rule?</strong> The transactions it already categorized keep their category; new ones no
            longer follow it. This cannot be undone.
          </p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              data-testid={`rule-delete-confirm-${rule.id}`}
              disabled={busy}
              onClick={props.onConfirmDelete}
            >
              {busy ? "Deleting…" : "Delete this rule"}
            </button>
            <button
              type="button"
              className="secondary"
              data-testid={`rule-delete-cancel-${rule.id}`}
              disabled={busy}
              onClick={() => props.onCancel(`rule-delete-${rule.id}`)}
            >
              Keep it
            </button>
          </div>
        </div>
      )}
      {open?.kind === "preview" && (
        <Preview
          changes={open.changes}
          categories={categories}
          busy={busy}
          onApply={props.onApply}
          onCancel={() => props.onCancel(`rule-apply-${rule.id}`)}
        />
      )}
      {error && <ErrorBanner error={error} />}
    </li>
  );
}

function Preview({
  changes,
  categories,
  busy,
  onApply,
  onCancel,
}: {
  changes: RuleChange[];
  categories: Category[];
  busy: boolean;
  onApply: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  if (changes.length === 0) {
    return (
      <div className="rule-preview" data-testid="rule-preview" role="region" aria-labelledby={`${id}-count`}>
        <p id={`${id}-count`} data-testid="rule-preview-count" tabIndex={-1}>
          No past transaction would change: the ones this rule matches already have this category, or you chose their
          category yourself.
        </p>
        <div className="actions">
          <button type="button" className="secondary" data-testid="rule-apply-cancel" onClick={onCancel}>
            Close
          </button>
        </div>
      </div>
    );
  }
  const shown = changes.slice(0, PREVIEW_ROWS);
  const renames = changes.some((c) => c.payee !== null);
  return (
    <div className="rule-preview" data-testid="rule-preview" role="region" aria-labelledby={`${id}-count`}>
      <p id={`${id}-count`} data-testid="rule-preview-count" tabIndex={-1}>
        <strong>{transactionsText(changes.length)}</strong> would change. Nothing changes until you confirm.
      </p>
      <div className="table-wrap rule-preview-table">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Seller</th>
              <th scope="col">Category now</th>
              <th scope="col">Category after</th>
              {renames && <th scope="col">Shown as</th>}
            </tr>
          </thead>
          <tbody>
            {shown.map((change) => (
              <tr key={change.transaction} data-testid="rule-preview-row" data-id={change.transaction}>
                <th scope="row">{sellerName(change.seller)}</th>
                <td>{categoryName(categories, change.from)}</td>
                <td>
                  <span aria-hidden="true">→ </span>
                  {categoryName(categories, change.to)}
                </td>
                {renames && <td>{change.payee ?? "—"}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {changes.length > shown.length && (
        <p className="muted small">
          …and {transactionsText(changes.length - shown.length)} more, which change the same way.
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" data-testid="rule-apply-confirm" disabled={busy} onClick={onApply}>
          {busy ? "Changing…" : `Change ${transactionsText(changes.length)}`}
        </button>
        <button type="button" className="secondary" data-testid="rule-apply-cancel" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

// ---- Forms ------------------------------------------------------------------

/** Every category: top-level ones with children as a group (the parent first), the rest alone. */
function CategoryOptions({ categories }: { categories: readonly Category[] }) {
  const known = new Set(categories.map((c) => c.id));
  const tops = categories.filter((c) => c.parent === null || !known.has(c.parent));
  return (
    <>
      {tops.map((top) => {
        const children = categories.filter((c) => c.parent === top.id);
        if (children.length === 0) {
          return (
            <option key={top.id} value={top.id}>
              {top.name}
            </option>
          );
        }
        return (
          <optgroup key={top.id} label={top.name}>
            <option value={top.id}>{top.name}</option>
            {children.map((child) => (
              <option key={child.id} value={child.id}>
                {child.name}
              </option>
            ))}
          </optgroup>
        );
      })}
    </>
  );
}

/** The category and new name as the forms take them; null when neither is given. */
function actionsOf(category: string, rename: string): RuleActions | null {
  const name = rename.trim();
  if (category === "" && name === "") return null;
  return { category: category === "" ? null : category, rename: name === "" ? null : name };
}

const NO_ACTION = "Choose a category, or type a name to show, so that the rule does something.";

function EditActions({
  rule,
  categories,
  busy,
  onSave,
  onCancel,
}: {
  rule: Rule;
  categories: Category[];
  busy: boolean;
  onSave: (actions: RuleActions) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [category, setCategory] = useState(rule.actions.category ?? "");
  const [rename, setRename] = useState(rule.actions.rename ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const actions = actionsOf(category, rename);
    if (actions === null) {
      setProblem(NO_ACTION);
      return;
    }
    setProblem(null);
    onSave(actions);
  };
  return (
    <form className="rule-form rule-edit" data-testid={`rule-edit-form-${rule.id}`} onSubmit={submit} noValidate>
      <p className="muted small">
        Change what this rule does. To change what it matches, delete it and add a new one.
      </p>
      <div className="rule-fields">
        <div className="field">
          <label htmlFor={`${id}-category`}>Category</label>
          <select
            id={`${id}-category`}
            data-testid={`rule-edit-category-${rule.id}`}
            value={category}
            disabled={busy}
            aria-describedby={problem ? `${id}-problem` : undefined}
            onChange={(e) => setCategory(e.target.value)}
          >
            <option value="">Don't change the category</option>
            <CategoryOptions categories={categories} />
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-rename`}>Show the payee as (optional)</label>
          <input
            id={`${id}-rename`}
            type="text"
            data-testid={`rule-edit-rename-${rule.id}`}
            value={rename}
            disabled={busy}
            autoComplete="off"
            onChange={(e) => setRename(e.target.value)}
          />
        </div>
      </div>
      {problem && (
        <p className="field-error" id={`${id}-problem`} data-testid="rule-edit-error">
          {problem}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" data-testid={`rule-edit-save-${rule.id}`} disabled={busy}>
          {busy ? "Saving…" : "Save changes"}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

type ConditionKind = "payee_is" | "payee_contains" | "payee_matches";

const CONDITION_KINDS: Array<{ kind: ConditionKind; label: string; hint: string }> = [
  { kind: "payee_contains", label: "Payee contains", hint: "Part of the payee's name, such as coffee. Capitals do not matter." },
  { kind: "payee_is", label: "Payee is", hint: "The payee's whole name, as the Transactions screen shows it. Capitals do not matter." },
  {
    kind: "payee_matches",
    label: "Payee matches a pattern",
    hint: "A regular expression, such as ^sq \\*. Capitals do not matter.",
  },
];

type Problems = { value?: string; min?: string; max?: string; action?: string };

function AddRule({
  accounts,
  categories,
  onAdded,
}: {
  accounts: AccountSummary[] | null;
  categories: Category[];
  onAdded: () => Promise<void>;
}) {
  const id = useId();
  const [kind, setKind] = useState<ConditionKind>("payee_contains");
  const [value, setValue] = useState("");
  const [min, setMin] = useState("");
  const [max, setMax] = useState("");
  const currencies = [...new Set((accounts ?? []).map((a) => a.currency))];
  const [chosenCurrency, setChosenCurrency] = useState("");
  const currency = currencies.includes(chosenCurrency) ? chosenCurrency : (currencies[0] ?? "USD");
  const [category, setCategory] = useState("");
  const [rename, setRename] = useState("");
  const [problems, setProblems] = useState<Problems>({});
  const [error, setError] = useState<IpcError | null>(null);
  const [saving, setSaving] = useState(false);
  const [added, setAdded] = useState("");
  const hint = CONDITION_KINDS.find((k) => k.kind === kind)?.hint ?? "";

  const check = (): Problems => {
    const found: Problems = {};
    if (value.trim() === "") found.value = "Type the payee's name, or part of it, for the rule to look for.";
    const low = min.trim();
    const high = max.trim();
    if (low !== "" && !DECIMAL.test(low)) {
      found.min = "Write the lowest amount as a number such as -25.00 (money out is negative), or leave it empty.";
    }
    if (high !== "" && !DECIMAL.test(high)) {
      found.max = "Write the highest amount as a number such as -5.00 (money out is negative), or leave it empty.";
    }
    if (found.min === undefined && found.max === undefined && low !== "" && high !== "" && isAbove(low, high)) {
      found.min = "The lowest amount is above the highest one: swap them.";
    }
    if (actionsOf(category, rename) === null) found.action = NO_ACTION;
    return found;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setAdded("");
    const found = check();
    setProblems(found);
    if (Object.keys(found).length > 0) {
      const first = found.value ? "rule-condition-value" : found.min ? "rule-amount-min" : found.max ? "rule-amount-max" : "rule-category";
      document.querySelector<HTMLElement>(`[data-testid="${first}"]`)?.focus();
      return;
    }
    const text = value.trim();
    const condition: Condition =
      kind === "payee_is" ? { payee_is: text } : kind === "payee_contains" ? { payee_contains: text } : { payee_matches: text };
    const conditions: Condition[] = [condition];
    const low = min.trim();
    const high = max.trim();
    if (low !== "" || high !== "") {
      conditions.push({
        amount_between: {
          min: low === "" ? null : { amount: low, currency },
          max: high === "" ? null : { amount: high, currency },
        },
      });
    }
    setSaving(true);
    setError(null);
    try {
      await api.add_rule(conditions, actionsOf(category, rename)!);
      await onAdded();
      setValue("");
      setMin("");
      setMax("");
      setRename("");
      setCategory("");
      setAdded(
        "Rule added. New transactions that match it follow it; to change past ones, use “Apply to past transactions” on its row.",
      );
    } catch (rejection) {
      setError(api.toIpcError(rejection));
    } finally {
      setSaving(false);
    }
  };

  const describe = (...ids: Array<string | false | undefined>) => ids.filter(Boolean).join(" ") || undefined;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add a rule</h2>
      <form className="rule-form" data-testid="rule-add" onSubmit={(e) => void submit(e)} noValidate>
        <fieldset className="rule-part">
          <legend>Which transactions</legend>
          <div className="rule-fields">
            <div className="field">
              <label htmlFor={`${id}-kind`}>Look at the payee</label>
              <select
                id={`${id}-kind`}
                data-testid="rule-condition-kind"
                value={kind}
                disabled={saving}
                onChange={(e) => setKind(e.target.value as ConditionKind)}
              >
                {CONDITION_KINDS.map((k) => (
                  <option key={k.kind} value={k.kind}>
                    {k.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field grow">
              <label htmlFor={`${id}-value`}>Payee text</label>
              <input
                id={`${id}-value`}
                type="text"
                data-testid="rule-condition-value"
                value={value}
                disabled={saving}
                autoComplete="off"
                aria-invalid={problems.value !== undefined}
                aria-describedby={describe(`${id}-value-hint`, problems.value !== undefined && `${id}-value-error`)}
                onChange={(e) => setValue(e.target.value)}
              />
              <p className="field-hint" id={`${id}-value-hint`}>
                {hint}
              </p>
              {problems.value && (
                <p className="field-error" id={`${id}-value-error`} data-testid="rule-value-error">
                  {problems.value}
                </p>
              )}
            </div>
          </div>
          <div className="rule-fields">
            <div className="field">
              <label htmlFor={`${id}-min`}>Amount from (optional)</label>
              <input
                id={`${id}-min`}
                type="text"
                inputMode="decimal"
                className="rule-amount"
                data-testid="rule-amount-min"
                value={min}
                placeholder="-50.00"
                disabled={saving}
                autoComplete="off"
                aria-invalid={problems.min !== undefined}
                aria-describedby={describe(`${id}-amount-hint`, problems.min !== undefined && `${id}-min-error`)}
                onChange={(e) => setMin(e.target.value)}
              />
              {problems.min && (
                <p className="field-error" id={`${id}-min-error`} data-testid="rule-min-error">
                  {problems.min}
                </p>
              )}
            </div>
            <div className="field">
              <label htmlFor={`${id}-max`}>Amount to (optional)</label>
              <input
                id={`${id}-max`}
                type="text"
                inputMode="decimal"
                className="rule-amount"
                data-testid="rule-amount-max"
                value={max}
                placeholder="-5.00"
                disabled={saving}
                autoComplete="off"
                aria-invalid={problems.max !== undefined}
                aria-describedby={describe(`${id}-amount-hint`, problems.max !== undefined && `${id}-max-error`)}
                onChange={(e) => setMax(e.target.value)}
              />
              {problems.max && (
                <p className="field-error" id={`${id}-max-error`} data-testid="rule-max-error">
                  {problems.max}
                </p>
              )}
            </div>
            {currencies.length > 1 && (
              <div className="field">
                <label htmlFor={`${id}-currency`}>Currency</label>
                <select
                  id={`${id}-currency`}
                  data-testid="rule-amount-currency"
                  value={currency}
                  disabled={saving}
                  onChange={(e) => setChosenCurrency(e.target.value)}
                >
                  {currencies.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </div>
            )}
          </div>
          <p className="field-hint" id={`${id}-amount-hint`}>
            Money out is negative: for purchases from $5 to $50, write -50.00 and -5.00. Leave both empty for any amount.
          </p>
        </fieldset>
        <fieldset className="rule-part">
          <legend>What the rule does</legend>
          <div className="rule-fields">
            <div className="field">
              <label htmlFor={`${id}-category`}>Category</label>
              <select
                id={`${id}-category`}
                data-testid="rule-category"
                value={category}
                disabled={saving}
                aria-invalid={problems.action !== undefined}
                aria-describedby={describe(problems.action !== undefined && `${id}-action-error`)}
                onChange={(e) => setCategory(e.target.value)}
              >
                <option value="">Don't change the category</option>
                <CategoryOptions categories={categories} />
              </select>
            </div>
            <div className="field grow">
              <label htmlFor={`${id}-rename`}>Show the payee as (optional)</label>
              <input
                id={`${id}-rename`}
                type="text"
                data-testid="rule-rename"
                value={rename}
                placeholder="Blue Bottle Coffee"
                disabled={saving}
                autoComplete="off"
                aria-describedby={describe(problems.action !== undefined && `${id}-action-error`)}
                onChange={(e) => setRename(e.target.value)}
              />
            </div>
          </div>
          {problems.action && (
            <p className="field-error" id={`${id}-action-error`} data-testid="rule-action-error">
              {problems.action}
            </p>
          )}
        </fieldset>
        {error && <ErrorBanner error={error} />}
        <div className="actions">
          <button type="submit" className="primary" data-testid="rule-save" disabled={saving}>
            {saving ? "Adding…" : "Add rule"}
          </button>
        </div>
        <p role="status" className="rules-status" data-testid="rule-add-status">
          {added}
        </p>
      </form>
    </section>
  );
}
