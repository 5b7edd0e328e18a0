import { ErrorBanner } from "../ErrorBanner";
import type { VaultStatus } from "../bindings/VaultStatus";
import { hasDemo, type LedgerModel } from "../ledger";
import { DemoNote } from "../LedgerParts";
import { formatCount } from "../ledgerText";
import { screenHref } from "../navigation";
import { promptFor, type Prompt, type VaultActions, type VaultModel } from "../vault";
import { CreateWithPassphrase, UnlockWithKeychain, UnlockWithPassphrase } from "../VaultForms";
import { keySourceLabel, stateLabel } from "../vaultText";

type Props = { vault: VaultModel; actions: VaultActions };

export function Overview({ vault, actions, ledger }: Props & { ledger: LedgerModel }) {
  const prompt = promptFor(vault);
  return (
    <>
      <PromptCard prompt={prompt} vault={vault} actions={actions} />
      {vault.status?.state === "unlocked" && <Summary ledger={ledger} />}
      <VaultFacts status={vault.status} starting={prompt.kind === "starting"} />
      <TableCounts status={vault.status} />
    </>
  );
}

/** How much the vault holds, and the way to it. */
function Summary({ ledger }: { ledger: LedgerModel }) {
  const { accounts, connections, refresh } = ledger;
  if (ledger.loadError) return <ErrorBanner error={ledger.loadError} />;
  if (accounts === null) return null;
  // While the demo is set up there is nothing to sum yet; the progress card says what happens.
  if (accounts.length === 0 && refresh.running) return null;
  const rows = accounts.reduce((sum, a) => sum + a.transactions, 0);
  const failed = refresh.report?.outcomes.some((o) => o.error !== null) ?? false;
  return (
    <section className="card" aria-labelledby="summary-title" data-testid="overview-summary">
      <h2 id="summary-title">Your money</h2>
      {accounts.length === 0 ? (
        <p className="muted">
          No accounts yet. <a href={screenHref("accounts")}>Go to Accounts</a> to add one.
        </p>
      ) : (
        <>
          <p className="summary-line">
            <span data-testid="summary-accounts">
              {formatCount(accounts.length)} {accounts.length === 1 ? "account" : "accounts"}
            </span>
            <span aria-hidden="true"> · </span>
            <span>
              {formatCount(rows)} {rows === 1 ? "transaction" : "transactions"}
            </span>
          </p>
          <p className="actions">
            <a className="button-link" href={screenHref("transactions")} data-testid="summary-transactions-link">
              See transactions
            </a>
            <a href={screenHref("accounts")}>Accounts and balances</a>
          </p>
        </>
      )}
      {failed && (
        <p className="warn-text">
          The last refresh had a problem: <a href={screenHref("accounts")}>see Accounts</a>.
        </p>
      )}
      {hasDemo(connections) && <DemoNote />}
    </section>
  );
}

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

function VaultFacts({ status, starting }: { status: VaultStatus | null; starting: boolean }) {
  return (
    <section className="card" aria-labelledby="vault-title">
      <h2 id="vault-title">Your vault</h2>
      <dl className="facts">
        <dt>State</dt>
        <dd data-testid="vault-state">{status ? stateLabel(status.state) : starting ? "Checking…" : "Unknown"}</dd>

        <dt>Protection</dt>
        <dd data-testid="vault-encryption">
          <Protection status={status} />
        </dd>

        <dt>File</dt>
        <dd data-testid="vault-path" className="mono">
          {status?.path ?? "—"}
        </dd>

        <dt>Key</dt>
        <dd data-testid="vault-key-location">
          {status?.keySource ? (
            <>
              {keySourceLabel(status.keySource)}
              {status.keyLocation && <span className="subtle"> · {status.keyLocation}</span>}
            </>
          ) : (
            "Not set yet"
          )}
        </dd>

        <dt>Schema</dt>
        <dd data-testid="vault-schema">{status ? schemaText(status) : "—"}</dd>
      </dl>
    </section>
  );
}

function Protection({ status }: { status: VaultStatus | null }) {
  if (status === null || status.state === "missing") return <>—</>;
  if (status.encrypted) {
    return (
      <span className="badge badge-ok">
        <span aria-hidden="true">●</span> Encrypted (SQLCipher, AES-256)
      </span>
    );
  }
  return (
    <span className="badge badge-warn">
      <span aria-hidden="true">▲</span> Not protected: this vault file is stored in plain text, readable by anyone
      with access to this computer
    </span>
  );
}

function schemaText(status: VaultStatus): string {
  if (status.schemaVersion === null) {
    return status.state === "missing" ? "—" : `Unknown while locked (this app knows version ${status.latestSchemaVersion})`;
  }
  return `Version ${status.schemaVersion} of ${status.latestSchemaVersion}`;
}

const rowsFormat = new Intl.NumberFormat();

function TableCounts({ status }: { status: VaultStatus | null }) {
  if (status?.state !== "unlocked") {
    return (
      <section className="card" aria-labelledby="counts-title">
        <h2 id="counts-title">What it holds</h2>
        <p className="muted">
          {status?.state === "locked" ? "Unlock the vault to see what it holds." : "Nothing yet."}
        </p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="counts-title">
      <h2 id="counts-title">What it holds</h2>
      {status.counts.length === 0 ? (
        <p className="muted">No tables yet.</p>
      ) : (
        <table className="counts" data-testid="vault-counts">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="num">
                Rows
              </th>
            </tr>
          </thead>
          <tbody>
            {status.counts.map((count) => (
              <tr key={count.table}>
                <th scope="row" className="mono">
                  {count.table}
                </th>
                <td className="num">{rowsFormat.format(count.rows)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
