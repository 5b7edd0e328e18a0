import { ErrorBanner } from "../ErrorBanner";
import type { AccountSummary } from "../bindings/AccountSummary";
import type { Connection } from "../bindings/Connection";
import { hasDemo, type LedgerActions, type LedgerModel } from "../ledger";
import { DemoNote, NeedsUnlock, ProviderNote, RefreshOutcome } from "../LedgerParts";
import { ACCOUNT_KINDS, formatCount, statusView } from "../ledgerText";
import { formatMoney, isNegative } from "../money";
import { AddAccount } from "./AddAccount";

type Props = { unlocked: boolean; ledger: LedgerModel; actions: LedgerActions };

export function Accounts({ unlocked, ledger, actions }: Props) {
  if (!unlocked) return <NeedsUnlock what="your accounts" />;
  const { accounts, connections, refresh } = ledger;
  return (
    <>
      {hasDemo(connections) && <DemoNote />}
      {ledger.loadError && <ErrorBanner error={ledger.loadError} />}
      <section className="card" aria-labelledby="accounts-title">
        <div className="card-head">
          <h2 id="accounts-title">Your accounts</h2>
          <button
            type="button"
            className="primary"
            data-testid="refresh-button"
            disabled={refresh.running || connections === null || connections.length === 0}
            onClick={() => void actions.refresh()}
          >
            {refresh.running ? "Refreshing…" : "Refresh now"}
          </button>
        </div>
        {accounts === null ? (
          <p className="muted">Loading…</p>
        ) : accounts.length === 0 ? (
          <NoAccounts connections={connections} busy={refresh.running} linkDemo={actions.linkDemo} />
        ) : (
          <AccountsTable accounts={accounts} />
        )}
      </section>
      <RefreshOutcome refresh={refresh} />
      {connections !== null && connections.length > 0 && <Connections connections={connections} />}
      {accounts !== null && <AddAccount accounts={accounts} actions={actions} refreshing={refresh.running} />}
    </>
  );
}

function NoAccounts({
  connections,
  busy,
  linkDemo,
}: {
  connections: Connection[] | null;
  busy: boolean;
  linkDemo: LedgerActions["linkDemo"];
}) {
  if (connections !== null && connections.length > 0) {
    return <p className="muted">No accounts yet: refresh to fetch them from your bank.</p>;
  }
  return (
    <div className="empty">
      <p>No accounts yet.</p>
      <p className="muted">Try Spearmint with the built-in demo bank: generated accounts and transactions, no bank needed.</p>
      <div className="actions">
        <button type="button" className="secondary" data-testid="link-demo-button" disabled={busy} onClick={() => void linkDemo()}>
          Link the demo bank
        </button>
      </div>
    </div>
  );
}

function AccountsTable({ accounts }: { accounts: AccountSummary[] }) {
  return (
    <div className="table-wrap">
      <table className="data" data-testid="accounts-table">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Transactions
            </th>
            <th scope="col" className="num">
              Balance
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.id} data-testid="account-row" data-id={account.id}>
              <th scope="row">
                <span className="account-name">{account.name}</span>
                {account.institution && <span className="subtle small"> · {account.institution}</span>}
              </th>
              <td>{ACCOUNT_KINDS[account.kind] ?? account.kind}</td>
              <td data-testid="account-status">
                <Status status={account.status} reason={account.statusReason} />
              </td>
              <td className="num">{formatCount(account.transactions)}</td>
              <td className={`num amount${account.balance && isNegative(account.balance) ? " negative" : ""}`}>
                {account.balance ? formatMoney(account.balance) : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Status({ status, reason }: { status: string; reason: string | null }) {
  const view = statusView(status);
  return (
    <span className="status">
      <span className={`status-pill status-${view.tone}`}>{view.label}</span>
      {reason && view.tone !== "ok" && <span className="status-reason small">{reason}</span>}
    </span>
  );
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function Connections({ connections }: { connections: Connection[] }) {
  return (
    <section className="card" aria-labelledby="connections-title">
      <h2 id="connections-title">Connections</h2>
      <ul className="connections">
        {connections.map((c) => (
          <li key={c.id} data-testid="connection-row">
            <span>
              <strong>{c.label}</strong> <ProviderNote label={c.label} provider={c.provider} />
            </span>
            <Status status={c.status} reason={c.statusReason} />
            <span className="subtle small">
              {c.lastSuccessAt ? `Last refreshed ${when.format(new Date(c.lastSuccessAt))}` : "Not refreshed yet"}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
