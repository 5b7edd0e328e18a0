// A month's budget: each top-level category's budget (the user's own, or what
// Spearmint recommends, shown side by side), what was spent and what is left,
// with a bar that turns amber at the first alert threshold and red when over.
// Only what the user sets is stored; accepting a recommendation sets it.
import { useEffect, useId, useRef, useState } from "react";
import * as api from "../api";
import type { BudgetLine } from "../bindings/BudgetLine";
import type { BudgetReport } from "../bindings/BudgetReport";
import type { IpcError } from "../bindings/IpcError";
import { ErrorBanner } from "../ErrorBanner";
import type { LedgerModel } from "../ledger";
import { NeedsUnlock } from "../LedgerParts";
import { formatMoney, isNegative } from "../money";
import { money, parseAmountInput, unitsOf } from "../moneyMath";
import { MonthPicker } from "../MonthPicker";
import { hashParams, screenHref } from "../navigation";
import { budgetUse, isMonth, monthLabel } from "../spending";
import { useLoad } from "../useLoad";

type Props = { unlocked: boolean; ledger: LedgerModel };

export function Budgets({ unlocked, ledger }: Props) {
  if (!unlocked) return <NeedsUnlock what="your budgets" />;
  return <BudgetScreen revision={ledger.revision} />;
}

function BudgetScreen({ revision }: { revision: number }) {
  // An alert's link opens its month and category (`#/budgets?month=2025-06&category=FOOD`).
  const [asked] = useState(() => hashParams());
  const [month, setMonth] = useState<string | null>(() => {
    const m = asked.get("month");
    return m !== null && isMonth(m) ? m : null;
  });
  const focus = asked.get("category");
  const loaded = useLoad(() => api.budget(month), [month, revision]);
  // What the last change answered, until the next load: set_budget returns the new report.
  const [changed, setChanged] = useState<BudgetReport | null>(null);
  const [latest, setLatest] = useState<string | null>(null);
  if (month === null && loaded.data !== null && latest === null) setLatest(loaded.data.month);
  const report = changed !== null && changed.month === (month ?? loaded.data?.month) ? changed : loaded.data;

  const choose = (m: string) => {
    setChanged(null);
    setMonth(m);
  };
  return (
    <>
      {report !== null && <MonthPicker month={report.month} latest={latest ?? undefined} onChange={choose} />}
      {loaded.error && <ErrorBanner error={loaded.error} />}
      {report === null ? !loaded.error && <p className="muted" role="status">Loading…</p> : <BudgetTable report={report} focus={focus} onChanged={setChanged} />}
    </>
  );
}

function recommendationText(report: BudgetReport): string {
  const income = formatMoney(report.income);
  if (report.historyMonths < 3) {
    return `With ${report.historyMonths === 0 ? "no complete month" : report.historyMonths === 1 ? "one complete month" : "two complete months"} of history yet, the recommendations share out a typical monthly income of ${income} the way most households do. After three months they follow your own typical spending.`;
  }
  return `The recommendations follow your typical spending over the last ${report.historyMonths} complete months, for a monthly income of ${income}.`;
}

function BudgetTable({ report, focus, onChanged }: { report: BudgetReport; focus: string | null; onChanged: (r: BudgetReport) => void }) {
  const id = useId();
  const [editing, setEditing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { currency } = report;
  const sum = (pick: (l: BudgetLine) => bigint) => report.lines.reduce((s, l) => s + pick(l), 0n);
  const budgeted = sum((l) => unitsOf(l.budget));
  const spent = sum((l) => unitsOf(l.spent));
  const pending = report.lines.filter((l) => l.source !== "override" && l.recommended !== null);
  // No transactions to go by: nothing spent this month, and no earlier month to learn from.
  const nothingYet = report.historyMonths === 0 && spent === 0n;

  const acceptAll = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      let last: BudgetReport | null = null;
      for (const line of pending) {
        last = await api.set_budget(line.category, line.recommended!, report.month, false);
      }
      if (last !== null) onChanged(last);
      setDone(`${pending.length === 1 ? "One recommendation is" : `${pending.length} recommendations are`} now your budget from ${monthLabel(report.month)} on.`);
    } catch (e) {
      setError(api.toIpcError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <div className="card-head">
        <h2 id={`${id}-title`}>Budget for {monthLabel(report.month)}</h2>
        {pending.length > 0 && (
          <button type="button" className="primary" data-testid="budgets-accept-all" disabled={busy} onClick={() => void acceptAll()}>
            {busy ? "Saving…" : "Accept all recommendations"}
          </button>
        )}
      </div>
      <p className="muted small" data-testid="budget-recommendation">
        {recommendationText(report)}
      </p>
      <dl className="totals">
        <div className="total-row">
          <div>
            <dt>Budgeted</dt>
            <dd className="amount" data-testid="budget-total">
              {formatMoney(money(budgeted, currency))}
            </dd>
          </div>
          <div>
            <dt>Spent</dt>
            <dd className="amount" data-testid="budget-spent">
              {formatMoney(money(spent, currency))}
            </dd>
          </div>
          <div>
            <dt>{spent > budgeted ? "Over budget by" : "Left"}</dt>
            <dd className={spent > budgeted ? "amount warn-text" : "amount"} data-testid="budget-left">
              {formatMoney(money(spent > budgeted ? spent - budgeted : budgeted - spent, currency))}
            </dd>
          </div>
        </div>
      </dl>
      {error && <ErrorBanner error={error} />}
      <p className="small" role="status" data-testid="budget-status">
        {done}
      </p>
      {report.lines.length === 0 ? (
        <div className="empty" data-testid="budgets-empty">
          <p>No budget yet: Spearmint recommends one as soon as the first transactions arrive.</p>
          <p className="muted">
            Refresh your accounts or import a bank's file on <a href={screenHref("accounts")}>Accounts</a> to bring them in.
          </p>
        </div>
      ) : (
        <>
          {nothingYet && (
            <div className="empty" data-testid="budgets-empty">
              <p>Nothing spent yet in {monthLabel(report.month)}, and no earlier month to learn your spending from.</p>
              <p className="muted">
                The budgets below are a starting point. Refresh your accounts or import a bank's file on{" "}
                <a href={screenHref("accounts")}>Accounts</a>, and each shows what was spent against it.
              </p>
            </div>
          )}
          <ul className="budget-lines" data-testid="budget-lines">
            {report.lines.map((line) => (
              <BudgetRow
                key={line.category}
                line={line}
                month={report.month}
                focused={focus === line.category}
                editing={editing === line.category}
                onEdit={(on) => setEditing(on ? line.category : null)}
                onChanged={(r) => {
                  setEditing(null);
                  onChanged(r);
                }}
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

const TONE_TEXT = { ok: "", near: "nearly used", over: "over budget" } as const;

function BudgetRow(props: {
  line: BudgetLine;
  month: string;
  focused?: boolean;
  editing: boolean;
  onEdit: (on: boolean) => void;
  onChanged: (r: BudgetReport) => void;
}) {
  const { line, editing, onEdit, focused = false } = props;
  const item = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (focused) item.current?.scrollIntoView?.({ block: "center" });
  }, [focused]);
  const spent = unitsOf(line.spent);
  const available = unitsOf(line.budget) + (line.rollover === null ? 0n : unitsOf(line.rollover));
  const { used, tone } = budgetUse(spent, available, line.thresholds[0] ?? 80);
  const own = line.source === "override";
  const differs = own && line.recommended !== null && line.recommended.amount !== line.budget.amount;
  const width = used === null ? (spent > 0n ? 100 : 0) : Math.min(used, 100);

  return (
    <li
      ref={item}
      className={focused ? "budget-line focused" : "budget-line"}
      data-testid={`budget-row-${line.category}`}
      data-source={line.source}
      aria-current={focused ? "true" : undefined}
    >
      <div className="budget-head">
        <span className="budget-name">{line.name}</span>
        <span className="budget-amounts small">
          <span data-testid={`budget-spent-${line.category}`}>{formatMoney(line.spent)}</span>
          {" of "}
          <span data-testid={`budget-amount-${line.category}`}>{formatMoney(line.budget)}</span>
          {own ? <span className="badge badge-ok">Yours</span> : <span className="badge">Recommended</span>}
        </span>
      </div>
      <div
        className={`budget-bar tone-${tone}`}
        data-testid={`budget-bar-${line.category}`}
        data-tone={tone}
        role="progressbar"
        aria-label={`${line.name} budget used`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={width}
        aria-valuetext={used === null ? "no budget" : `${used}% used${TONE_TEXT[tone] ? `, ${TONE_TEXT[tone]}` : ""}`}
      >
        <div className="budget-fill" style={{ width: `${width}%` }} />
      </div>
      <div className="budget-foot small">
        <span className={isNegative(line.remaining) ? "warn-text" : "muted"} data-testid={`budget-remaining-${line.category}`}>
          {isNegative(line.remaining)
            ? `${formatMoney({ ...line.remaining, amount: line.remaining.amount.replace(/^-/, "") })} over`
            : `${formatMoney(line.remaining)} left`}
          {used !== null && ` · ${used}% used`}
        </span>
        {line.rollover !== null && <span className="muted">Includes {formatMoney(line.rollover)} carried from earlier months</span>}
        {differs && <span className="muted">Recommended: {formatMoney(line.recommended!)}</span>}
        {!editing && (
          <button type="button" className="text-button" data-testid={`budget-edit-${line.category}`} onClick={() => onEdit(true)}>
            Change
          </button>
        )}
      </div>
      {editing && <BudgetEditor {...props} />}
    </li>
  );
}

function BudgetEditor({ line, month, onEdit, onChanged }: { line: BudgetLine; month: string; onEdit: (on: boolean) => void; onChanged: (r: BudgetReport) => void }) {
  const id = useId();
  const [text, setText] = useState(line.budget.amount);
  const [rollover, setRollover] = useState(line.rollover !== null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (amount: string) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.set_budget(line.category, { amount, currency: line.budget.currency }, month, rollover));
    } catch (e) {
      setError(api.toIpcError(e));
      setBusy(false);
    }
  };
  const submit = () => {
    const amount = parseAmountInput(text);
    if (amount === null) {
      setInvalid("Type an amount such as 250 or 249.99.");
      return;
    }
    setInvalid(null);
    void save(amount);
  };

  return (
    <form
      className="budget-editor"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-amount`}>
          Monthly budget for {line.name} ({line.budget.currency})
        </label>
        <input
          id={`${id}-amount`}
          data-testid={`budget-input-${line.category}`}
          inputMode="decimal"
          autoComplete="off"
          value={text}
          aria-invalid={invalid !== null}
          onChange={(e) => setText(e.target.value)}
        />
        {invalid && <p className="field-error">{invalid}</p>}
        <p className="field-hint">From {monthLabel(month)} on; earlier months keep their budget.</p>
      </div>
      <label className="check">
        <input type="checkbox" data-testid={`budget-rollover-${line.category}`} checked={rollover} onChange={(e) => setRollover(e.target.checked)} />
        Carry what is left (or overspent) into the next month
      </label>
      {error && <ErrorBanner error={error} />}
      <div className="actions">
        <button type="submit" className="primary" data-testid={`budget-save-${line.category}`} disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        {line.recommended !== null && line.recommended.amount !== line.budget.amount && (
          <button type="button" className="secondary" disabled={busy} onClick={() => void save(line.recommended!.amount)}>
            Use the recommended {formatMoney(line.recommended)}
          </button>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={() => onEdit(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
