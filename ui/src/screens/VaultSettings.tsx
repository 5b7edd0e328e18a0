// The vault's technical facts, in Settings: where its file is, how it is
// protected and where its key lives, its schema version, what its tables hold,
// and the button that locks it. The Overview only says whether it is open.
import type { VaultStatus } from "../bindings/VaultStatus";
import { formatCount } from "../ledgerText";
import { screenHref } from "../navigation";
import type { VaultActions, VaultModel } from "../vault";
import { keySourceLabel, stateLabel } from "../vaultText";

export function VaultSettings({ vault, actions }: { vault: VaultModel; actions: VaultActions }) {
  const { status } = vault;
  const locking = vault.pending === "lock";
  return (
    <>
      <section className="card" aria-labelledby="settings-vault-title" data-testid="vault-settings">
        <h2 id="settings-vault-title">Vault</h2>
        <dl className="facts">
          <dt>State</dt>
          <dd data-testid="vault-state">{status ? stateLabel(status.state) : vault.pending === "open" ? "Checking…" : "Unknown"}</dd>

          <dt>Protection</dt>
          <dd data-testid="vault-encryption">
            <Protection status={status} />
          </dd>

          <dt>Profile</dt>
          <dd data-testid="vault-profile">{status?.profile ?? "—"}</dd>

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
              keySourceLabel(null)
            )}
          </dd>

          <dt>Schema</dt>
          <dd data-testid="vault-schema">{status ? schemaText(status) : "—"}</dd>
        </dl>
        {status?.state === "unlocked" ? (
          <div className="actions">
            <button
              type="button"
              className="secondary"
              data-testid="lock-button"
              disabled={vault.pending !== null}
              onClick={() => void actions.lock()}
            >
              {locking ? "Locking…" : "Lock the vault"}
            </button>
            <p className="muted small">Spearmint forgets the key in memory until you unlock again.</p>
          </div>
        ) : status?.state === "locked" ? (
          <p className="muted">
            The vault is locked. <a href={screenHref("overview")}>Unlock it on the Overview</a>.
          </p>
        ) : status?.state === "missing" ? (
          <p className="muted">
            There is no vault yet. <a href={screenHref("overview")}>Create it on the Overview</a>.
          </p>
        ) : null}
      </section>
      <TableCounts status={status} />
    </>
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

function TableCounts({ status }: { status: VaultStatus | null }) {
  return (
    <section className="card" aria-labelledby="counts-title">
      <h2 id="counts-title">What the vault holds</h2>
      {status?.state !== "unlocked" ? (
        <p className="muted">{status?.state === "locked" ? "Unlock the vault to see what it holds." : "Nothing yet."}</p>
      ) : status.counts.length === 0 ? (
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
                <td className="num">{formatCount(count.rows)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
