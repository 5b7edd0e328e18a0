import type { VaultActions, VaultModel } from "../vault";
import { screenHref } from "../navigation";
import { keySourceLabel, stateLabel } from "../vaultText";
import { DailyRefreshSettings } from "./DailyRefreshSettings";

export function Settings({ vault, actions }: { vault: VaultModel; actions: VaultActions }) {
  const { status } = vault;
  const locking = vault.pending === "lock";
  return (
    <>
      <section className="card" aria-labelledby="settings-vault-title">
        <h2 id="settings-vault-title">Vault</h2>
        <dl className="facts">
          <dt>Profile</dt>
          <dd>{status?.profile ?? "—"}</dd>
          <dt>File</dt>
          <dd className="mono">{status?.path ?? "—"}</dd>
          <dt>Key source</dt>
          <dd>{keySourceLabel(status?.keySource ?? null)}</dd>
          <dt>Key location</dt>
          <dd className="mono">{status?.keyLocation ?? "—"}</dd>
          <dt>State</dt>
          <dd>{status ? stateLabel(status.state) : "—"}</dd>
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
        ) : null}
      </section>
      {status?.state === "unlocked" && <DailyRefreshSettings />}
    </>
  );
}
