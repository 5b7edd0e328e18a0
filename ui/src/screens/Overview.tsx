// The first screen: this month at a glance. What was spent against the month's
// budget, the budgets nearest (or over) their amount, money in and out, the
// accounts with their balances and net worth, the latest transactions, and
// what needs the user (a bank to reconnect, unread alerts). Every figure comes
// from the engine's commands and stays an exact decimal until it is shown.
// Before the vault is open it asks for what opens it; the vault's technical
// facts (file, key, encryption, schema, tables) are in Settings.
import { useId, type ReactNode } from "react";
import * as api from "../api";
import type { AccountSummary } from "../bindings/AccountSummary";
import type { BudgetLine } from "../bindings/BudgetLine";
import type { BudgetReport } from "../bindings/BudgetReport";
import type { Connection } from "../bindings/Connection";
import type { Money } from "../bindings/Money";
import type { MonthSpending } from "../bindings/MonthSpending";
import type { Notification } from "../bindings/Notification";
import type { Transaction } from "../bindings/Transaction";
import { ErrorBanner } from "../ErrorBanner";
import { hasDemo, type LedgerModel } from "../ledger";
import { DemoNote } from "../LedgerParts";
import { ACCOUNT_KINDS, formatCount, statusView } from "../ledgerText";
import { formatMoney, isNegative } from "../money";
import { abs, money, unitsOf } from "../moneyMath";
import { screenHref } from "../navigation";
import { budgetUse, mainCurrency, monthLabel, totalsOf, type BudgetTone } from "../spending";
import { whenText } from "../syncText";
import { useLoad, type Loaded } from "../useLoad";
import { promptFor, type Prompt, type VaultActions, type VaultModel } from "../vault";
import { CreateWithPassphrase, UnlockWithKeychain, UnlockWithPassphrase } from "../VaultForms";
import { stateLabel } from "../vaultText";
import { sharedThresholds } from "./ThresholdSettings";
import { formatDay } from "./Transactions";
import "./overview.css";

type Props = { vault: VaultModel; actions: VaultActions };

/** How many budgets the "nearest their budget" list shows, and how many transactions "recent". */
export const NEAR_COUNT = 3;
export const RECENT_COUNT = 5;

export function Overview({ vault, actions, ledger }: Props & { ledger: LedgerModel }) {
  const prompt = promptFor(vault);
  const unlocked = vault.status?.state === "unlocked";
  return (
    <>
      <PromptCard prompt={prompt} vault={vault} actions={actions} />
      {unlocked && <Glance ledger={ledger} />}
      <VaultLine vault={vault} starting={prompt.kind === "starting"} sync={unlocked ? <SyncLine revision={ledger.revision} /> : null} />
    </>
  );
}

/** Everything about the money, once the vault is open. */
function Glance({ ledger }: { ledger: LedgerModel }) {
  const { accounts, connections, refresh } = ledger;
  if (ledger.loadError) return <ErrorBanner error={ledger.loadError} />;
  if (accounts === null || connections === null) return <Loading />;
  // While the demo is set up there is nothing to show yet; the progress card says what happens.
  if (accounts.length === 0 && refresh.running) return null;
  const failed = refresh.report?.outcomes.some((o) => o.error !== null) ?? false;
  return (
    <>
      <Attention accounts={accounts} connections={connections} />
      {accounts.length === 0 ? (
        <section className="card" aria-labelledby="summary-title" data-testid="overview-summary">
          <h2 id="summary-title">Your money</h2>
          <p className="muted" data-testid="overview-empty">
            No accounts yet. <a href={screenHref("accounts")}>Go to Accounts</a> to link a bank or import a bank's file.
          </p>
          {failed && <FailedRefresh />}
        </section>
      ) : (
        <MoneyAtAGlance ledger={ledger} accounts={accounts} failed={failed} demo={hasDemo(connections)} />
      )}
    </>
  );
}

function FailedRefresh() {
  return (
    <p className="warn-text">
      The last refresh had a problem: <a href={screenHref("accounts")}>see Accounts</a> for what to do.
    </p>
  );
}

// ---- What needs the user ------------------------------------------------------

type Trouble = { key: string; name: string; status: string; reason: string | null };

/**
 * Connections whose status is not ok, then accounts not ok that no such connection
 * already covers (an account of a bank that needs attention says the same as its bank).
 */
export function troubles(connections: readonly Connection[], accounts: readonly AccountSummary[]): Trouble[] {
  const bad = connections.filter((c) => c.status !== "ok");
  const covered = new Set(bad.map((c) => c.id));
  return [
    ...bad.map((c) => ({ key: `c-${c.id}`, name: c.label, status: c.status, reason: c.statusReason })),
    ...accounts
      .filter((a) => a.status !== "ok" && (a.connection === null || !covered.has(a.connection)))
      .map((a) => ({ key: `a-${a.id}`, name: a.name, status: a.status, reason: a.statusReason })),
  ];
}

function Attention({ accounts, connections }: { accounts: AccountSummary[]; connections: Connection[] }) {
  const list = troubles(connections, accounts);
  if (list.length === 0) return null;
  return (
    <section className="card overview-attention" aria-labelledby="attention-title" data-testid="overview-attention">
      <h2 id="attention-title">Needs your attention</h2>
      <ul className="overview-troubles">
        {list.map((t) => (
          <li key={t.key} data-testid="attention-item">
            <strong>{t.name}</strong> <span className="status-pill status-warn">{statusView(t.status).label}</span>
            {t.reason && <span className="status-reason"> {t.reason}</span>}
          </li>
        ))}
      </ul>
      <p className="actions">
        <a className="button-link" href={screenHref("accounts")} data-testid="attention-fix">
          Fix on Accounts
        </a>
        <span className="muted small">Accounts says what to do. Until then the figures below may miss the latest transactions.</span>
      </p>
    </section>
  );
}

// ---- The money ------------------------------------------------------------------

function MoneyAtAGlance({
  ledger,
  accounts,
  failed,
  demo,
}: {
  ledger: LedgerModel;
  accounts: AccountSummary[];
  failed: boolean;
  demo: boolean;
}) {
  const { revision } = ledger;
  const budget = useLoad(() => api.budget(null), [revision]);
  const spending = useLoad(() => api.spending(null), [revision]);
  const recent = useLoad(() => api.list_transactions({ limit: RECENT_COUNT }), [revision]);
  const alerts = useLoad(() => api.list_notifications(), [revision]);
  const rows = accounts.reduce((sum, a) => sum + a.transactions, 0);

  return (
    <>
      <section className="card overview-summary" aria-label="Summary" data-testid="overview-summary">
        <p className="summary-line">
          <span data-testid="summary-accounts">
            {formatCount(accounts.length)} {accounts.length === 1 ? "account" : "accounts"}
          </span>
          <span aria-hidden="true"> · </span>
          <span>
            {formatCount(rows)} {rows === 1 ? "transaction" : "transactions"}
          </span>
        </p>
        <UnreadAlerts alerts={alerts} />
        {failed && <FailedRefresh />}
        {demo && <DemoNote />}
      </section>
      <ThisMonth budget={budget} spending={spending} />
      <div className="overview-grid">
        <AccountsCard accounts={accounts} />
        <RecentCard recent={recent} accounts={accounts} />
      </div>
    </>
  );
}

function UnreadAlerts({ alerts }: { alerts: Loaded<Notification[]> }) {
  if (alerts.error) {
    return (
      <p className="warn-text small" data-testid="overview-alerts">
        Alerts could not be read: {alerts.error.message}
      </p>
    );
  }
  if (alerts.data === null) return null;
  const unread = alerts.data.filter((n) => n.readAt === null).length;
  return (
    <p className="overview-alerts" data-testid="overview-alerts" data-unread={unread}>
      {unread === 0 ? (
        <>
          <span className="muted">No unread alerts.</span> <a href={screenHref("alerts")}>See earlier alerts</a>
        </>
      ) : (
        <>
          You have{" "}
          <strong data-testid="overview-unread">
            {formatCount(unread)} unread {unread === 1 ? "alert" : "alerts"}
          </strong>
          . <a href={screenHref("alerts")}>Read {unread === 1 ? "it" : "them"} in Alerts</a>
        </>
      )}
    </p>
  );
}

/** Sum of the lines' budgets and of what they spent, in the report's currency. */
export function budgetTotals(report: BudgetReport): { budgeted: bigint; spent: bigint } {
  let budgeted = 0n;
  let spent = 0n;
  for (const line of report.lines) {
    if (line.budget.currency === report.currency) budgeted += unitsOf(line.budget);
    if (line.spent.currency === report.currency) spent += unitsOf(line.spent);
  }
  return { budgeted, spent };
}

/** What a line may spend this month: its budget plus what rolled over from earlier months. */
function available(line: BudgetLine): bigint {
  return unitsOf(line.budget) + (line.rollover === null ? 0n : unitsOf(line.rollover));
}

/**
 * The budgets nearest or over their amount: the most used first, compared exactly
 * (spent × other's amount, not rounded percents); only those with something spent.
 * A budget of zero with spending is over it, before any other.
 */
export function nearestBudgets(lines: readonly BudgetLine[], count = NEAR_COUNT): BudgetLine[] {
  const used = lines.filter((l) => unitsOf(l.spent) > 0n);
  const compare = (a: BudgetLine, b: BudgetLine): number => {
    const [sa, ba, sb, bb] = [unitsOf(a.spent), available(a), unitsOf(b.spent), available(b)];
    const aInfinite = ba <= 0n;
    const bInfinite = bb <= 0n;
    if (aInfinite || bInfinite) {
      if (aInfinite && bInfinite) return sa === sb ? a.name.localeCompare(b.name) : sa > sb ? -1 : 1;
      return aInfinite ? -1 : 1;
    }
    const left = sa * bb;
    const right = sb * ba;
    return left === right ? a.name.localeCompare(b.name) : left > right ? -1 : 1;
  };
  return [...used].sort(compare).slice(0, count);
}

const TONE_TEXT: Record<BudgetTone, string> = { ok: "", near: "nearly used", over: "over budget" };

function Bar({ spent, budget, firstThreshold, label, testId }: { spent: bigint; budget: bigint; firstThreshold: number; label: string; testId: string }) {
  const { used, tone } = budgetUse(spent, budget, firstThreshold);
  const width = used === null ? (spent > 0n ? 100 : 0) : Math.min(used, 100);
  return (
    <div
      className={`budget-bar tone-${tone}`}
      data-testid={testId}
      data-tone={tone}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={width}
      aria-valuetext={used === null ? "no budget" : `${used}% used${TONE_TEXT[tone] ? `, ${TONE_TEXT[tone]}` : ""}`}
    >
      <div className="budget-fill" style={{ width: `${width}%` }} />
    </div>
  );
}

function ThisMonth({ budget, spending }: { budget: Loaded<BudgetReport>; spending: Loaded<MonthSpending> }) {
  const id = useId();
  const report = budget.data;
  const month = report?.month ?? spending.data?.month ?? null;
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="overview-month" data-month={month ?? undefined}>
      <div className="card-head">
        <h2 id={`${id}-title`}>{month === null ? "This month" : `This month: ${monthLabel(month)}`}</h2>
        <a href={screenHref("budgets")} className="small">
          Budgets
        </a>
      </div>
      {budget.error && <ErrorBanner error={budget.error} />}
      {report === null ? (
        !budget.error && <Loading />
      ) : (
        <BudgetSummary report={report} />
      )}
      <div className="overview-split">
        <Nearest report={report} />
        <MoneyInOut spending={spending} />
      </div>
    </section>
  );
}

function BudgetSummary({ report }: { report: BudgetReport }) {
  const { budgeted, spent } = budgetTotals(report);
  const show = (units: bigint) => formatMoney(money(units, report.currency));
  const over = spent > budgeted;
  const firstThreshold = sharedThresholds(report.lines)[0] ?? 80;
  const { used } = budgetUse(spent, budgeted, firstThreshold);
  if (report.lines.length === 0) {
    return (
      <p className="muted">
        No budget yet: Spearmint recommends one as soon as the first transactions arrive.{" "}
        <a href={screenHref("budgets")}>See Budgets</a>.
      </p>
    );
  }
  return (
    <div className="overview-budget">
      <dl className="totals">
        <div className="total-row">
          <div>
            <dt>Spent so far</dt>
            <dd className="amount" data-testid="overview-spent">
              {show(spent)}
            </dd>
          </div>
          <div>
            <dt>Budgeted</dt>
            <dd className="amount" data-testid="overview-budget">
              {show(budgeted)}
            </dd>
          </div>
          <div>
            <dt>{over ? "Over budget by" : "Left"}</dt>
            <dd className={over ? "amount warn-text" : "amount"} data-testid="overview-left">
              {show(over ? spent - budgeted : budgeted - spent)}
            </dd>
          </div>
        </div>
      </dl>
      <Bar spent={spent} budget={budgeted} firstThreshold={firstThreshold} label="This month's budget used" testId="overview-bar" />
      <p className="muted small">
        {used === null ? "Nothing is budgeted this month." : `${used}% of this month's budget is spent`}, across{" "}
        {formatCount(report.lines.length)} {report.lines.length === 1 ? "category" : "categories"}.
      </p>
    </div>
  );
}

function Nearest({ report }: { report: BudgetReport | null }) {
  const id = useId();
  const lines = report === null ? [] : nearestBudgets(report.lines);
  return (
    <div className="overview-part" role="group" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Nearest their budget</h3>
      {report === null ? null : lines.length === 0 ? (
        <p className="muted small" data-testid="overview-near">
          Nothing spent in a budgeted category yet this month.
        </p>
      ) : (
        <ol className="overview-near" data-testid="overview-near">
          {lines.map((line) => {
            const spent = unitsOf(line.spent);
            const { used, tone } = budgetUse(spent, available(line), line.thresholds[0] ?? 80);
            return (
              <li key={line.category} data-category={line.category} data-tone={tone}>
                <a href={screenHref("budgets", { month: report!.month, category: line.category })} className="overview-near-name">
                  {line.name}
                </a>
                <span className={`small ${tone === "ok" ? "muted" : tone === "over" ? "warn-text" : ""}`}>
                  {used === null ? "no budget" : `${used}%`}
                  {TONE_TEXT[tone] && ` · ${TONE_TEXT[tone]}`}
                </span>
                <span className="small overview-near-amounts">
                  {formatMoney(line.spent)} of {formatMoney(money(available(line), line.budget.currency))}
                </span>
                <Bar
                  spent={spent}
                  budget={available(line)}
                  firstThreshold={line.thresholds[0] ?? 80}
                  label={`${line.name} budget used`}
                  testId={`overview-bar-${line.category}`}
                />
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}

function MoneyInOut({ spending }: { spending: Loaded<MonthSpending> }) {
  const id = useId();
  const month = spending.data;
  const currency = month === null ? null : mainCurrency(month);
  const others = month === null ? [] : [...new Set([...month.spent, ...month.income].map((m) => m.currency))].filter((c) => c !== currency);
  return (
    <div className="overview-part" role="group" aria-labelledby={`${id}-title`} data-testid="overview-income">
      <h3 id={`${id}-title`}>Money in and out</h3>
      {spending.error && <ErrorBanner error={spending.error} />}
      {month === null ? (
        !spending.error && <Loading />
      ) : currency === null ? (
        <p className="muted small">No money in or out yet this month.</p>
      ) : (
        <InOut month={month} currency={currency} others={others} />
      )}
    </div>
  );
}

function InOut({ month, currency, others }: { month: MonthSpending; currency: string; others: string[] }) {
  const { spent, income } = totalsOf(month, currency);
  const difference = income - spent;
  const show = (units: bigint) => formatMoney(money(units, currency));
  return (
    <>
      <dl className="overview-inout">
        <div>
          <dt>Income</dt>
          <dd className="amount" data-testid="overview-income-in">
            {show(income)}
          </dd>
        </div>
        <div>
          <dt>Spending</dt>
          <dd className="amount" data-testid="overview-income-out">
            {show(spent)}
          </dd>
        </div>
        <div className="overview-inout-total">
          <dt>{difference < 0n ? "Spent more than came in" : "Left over"}</dt>
          <dd className={difference < 0n ? "amount warn-text" : "amount"} data-testid="overview-income-difference">
            {show(abs(difference))}
          </dd>
        </div>
      </dl>
      {others.length > 0 && (
        <p className="muted small">
          Also in {others.join(", ")}: <a href={screenHref("spending")}>see Spending</a>.
        </p>
      )}
      <p className="small">
        <a href={screenHref("spending")}>Where the money went</a>
      </p>
    </>
  );
}

// ---- Accounts and net worth -------------------------------------------------------

/** Net worth per currency: the sum of the balances the banks state (a card's is negative). */
export function netWorth(accounts: readonly AccountSummary[]): Money[] {
  const sums = new Map<string, bigint>();
  for (const a of accounts) {
    if (a.balance === null) continue;
    sums.set(a.balance.currency, (sums.get(a.balance.currency) ?? 0n) + unitsOf(a.balance));
  }
  return [...sums.entries()].map(([currency, units]) => money(units, currency));
}

function AccountsCard({ accounts }: { accounts: AccountSummary[] }) {
  const id = useId();
  const worth = netWorth(accounts);
  const unstated = accounts.filter((a) => a.balance === null).length;
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="overview-accounts">
      <div className="card-head">
        <h2 id={`${id}-title`}>Accounts</h2>
        <a href={screenHref("accounts")} className="small">
          Manage
        </a>
      </div>
      <ul className="overview-list">
        {accounts.map((a) => {
          const status = statusView(a.status);
          return (
            <li key={a.id} data-testid="overview-account" data-id={a.id}>
              <span className="overview-list-main">
                <span className="account-name">{a.name}</span>
                <span className="muted small">
                  {" "}
                  · {ACCOUNT_KINDS[a.kind] ?? a.kind}
                  {status.tone !== "ok" && (
                    <>
                      {" "}
                      <span className="status-pill status-warn">{status.label}</span>
                    </>
                  )}
                </span>
              </span>
              {a.balance === null ? (
                <span className="muted small" data-testid="overview-balance">
                  balance not given
                </span>
              ) : (
                <span className={`amount${isNegative(a.balance) ? " negative" : ""}`} data-testid="overview-balance">
                  {formatMoney(a.balance)}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <div className="overview-networth">
        <span>Net worth</span>
        <span className="amount" data-testid="overview-networth">
          {worth.length === 0 ? "No balances given" : worth.map((m) => formatMoney(m)).join(" · ")}
        </span>
      </div>
      {unstated > 0 && (
        <p className="muted small" data-testid="overview-unstated">
          {unstated === 1 ? "One account's bank gives" : `${formatCount(unstated)} accounts' banks give`} no balance, so
          net worth leaves {unstated === 1 ? "it" : "them"} out.
        </p>
      )}
    </section>
  );
}

// ---- The latest transactions ---------------------------------------------------

function RecentCard({ recent, accounts }: { recent: Loaded<Transaction[]>; accounts: AccountSummary[] }) {
  const id = useId();
  const names = new Map(accounts.map((a) => [a.id, a.name]));
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="overview-recent">
      <div className="card-head">
        <h2 id={`${id}-title`}>Recent transactions</h2>
      </div>
      {recent.error && <ErrorBanner error={recent.error} />}
      {recent.data === null ? (
        !recent.error && <Loading />
      ) : recent.data.length === 0 ? (
        <p className="muted" data-testid="overview-empty">
          No transactions yet. <a href={screenHref("accounts")}>Go to Accounts</a> to refresh your accounts or import a
          bank's file.
        </p>
      ) : (
        <ul className="overview-list">
          {recent.data.map((tx) => (
            <li key={tx.id} data-testid="overview-transaction" data-id={tx.id}>
              <span className="overview-list-main">
                <span className="overview-payee" title={`The bank wrote: ${tx.seller}`}>
                  {tx.name}
                </span>
                {tx.pending && <span className="pending-badge">Pending</span>}
                <span className="muted small overview-sub">
                  <time dateTime={tx.postedOn}>{formatDay(tx.postedOn)}</time>
                  {names.has(tx.accountId) && ` · ${names.get(tx.accountId)}`}
                </span>
              </span>
              <span className={`amount${isNegative(tx.amount) ? " negative" : ""}`}>{formatMoney(tx.amount)}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="actions">
        <a className="button-link" href={screenHref("transactions")} data-testid="summary-transactions-link">
          See all transactions
        </a>
      </p>
    </section>
  );
}

function Loading() {
  return (
    <p className="muted small" role="status">
      Loading…
    </p>
  );
}

// ---- The vault -------------------------------------------------------------------

/** Whether the vault is open, in one line; its details are in Settings. */
function VaultLine({ vault, starting, sync }: { vault: VaultModel; starting: boolean; sync: ReactNode }) {
  const { status } = vault;
  const unprotected = status?.state === "unlocked" && !status.encrypted;
  return (
    <footer className="overview-vault small">
      {unprotected && (
        <p className="badge badge-warn" data-testid="overview-unprotected">
          <span aria-hidden="true">▲</span> This vault file is not encrypted: anyone with access to this computer can read
          it. Settings shows where it is.
        </p>
      )}
      {sync}
      <p className="muted">
        Vault:{" "}
        <span data-testid="vault-state">{status ? stateLabel(status.state) : starting ? "Checking…" : "Unknown"}</span>
        <span aria-hidden="true"> · </span>
        <a href={screenHref("settings")}>Its file, key and protection are in Settings</a>
      </p>
    </footer>
  );
}

/**
 * The sync's health in one line, only when this budget syncs: when it last synced, or what went
 * wrong and where to fix it. Nothing when sync_state fails: the Overview is about the money.
 */
function SyncLine({ revision }: { revision: number }) {
  const sync = useLoad(() => api.sync_state(), [revision]);
  const state = sync.data;
  if (state === null || !state.setUp) return null;
  if (state.lastError !== null) {
    return (
      <p className="warn-text" data-testid="overview-sync" data-state="error">
        Sync did not complete: {state.lastError} <a href={screenHref("settings")}>See Sync in Settings</a>
      </p>
    );
  }
  return (
    <p className="muted" data-testid="overview-sync" data-state="ok">
      {state.lastSyncAt === null ? (
        "Not synced yet"
      ) : (
        <>
          Synced <time dateTime={state.lastSyncAt}>{whenText(state.lastSyncAt)}</time>
        </>
      )}
    </p>
  );
}

// ---- Opening the vault -------------------------------------------------------------

function PromptCard({ prompt, vault, actions }: { prompt: Prompt } & Props) {
  const busy = vault.pending !== null;
  switch (prompt.kind) {
    case "starting":
    case "ready":
      return null;
    case "unlock":
      return prompt.keySource === "passphrase" ? (
        <UnlockWithPassphrase unlock={actions.unlock} busy={busy} />
      ) : (
        <UnlockWithKeychain unlock={actions.unlock} busy={busy} />
      );
    case "create":
      return (
        <CreateWithPassphrase
          create={actions.create}
          retryKeychain={actions.open}
          keychainUnavailable={prompt.keychainUnavailable}
          busy={busy}
        />
      );
    case "update-required":
      return (
        <section className="card prompt" aria-labelledby="update-title">
          <h2 id="update-title">Update Spearmint</h2>
          <p>
            This vault was written by a newer version of Spearmint. Update Spearmint on this computer to open it;
            nothing in the vault has been changed.
          </p>
          <div className="actions">
            <button type="button" className="secondary" disabled={busy} onClick={() => void actions.open()}>
              Try again
            </button>
          </div>
        </section>
      );
    case "unreachable":
      return (
        <section className="card prompt" aria-labelledby="unreachable-title">
          <h2 id="unreachable-title">The vault could not be opened</h2>
          <p>The message above says what went wrong and what to do about it.</p>
          <div className="actions">
            <button type="button" className="secondary" disabled={busy} onClick={() => void actions.open()}>
              Try again
            </button>
          </div>
        </section>
      );
  }
}
