// The vault's technical facts, in Settings: where its file is, how it is
// protected and where its key lives, its schema version, what its tables hold,
// the button that locks it, and what changes its key: a passphrase instead of the
// keychain's key or a new passphrase, a fresh key in the keychain (set_passphrase, rekey;
// both re-encrypt the file). The Overview only says whether it is open.
import { useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import * as api from "../api";
import type { IpcError } from "../bindings/IpcError";
import type { KeySource } from "../bindings/KeySource";
import type { VaultStatus } from "../bindings/VaultStatus";
import { ErrorBanner } from "../ErrorBanner";
import { formatCount } from "../ledgerText";
import { screenHref } from "../navigation";
import type { VaultActions, VaultModel } from "../vault";
import { NewPassphraseFields, useNewPassphrase } from "../VaultForms";
import { keySourceLabel, stateLabel } from "../vaultText";
import { createStore } from "../store";
import "./overview.css";

export function VaultSettings({ vault, actions }: { vault: VaultModel; actions: VaultActions }) {
  const { status } = vault;
  const locking = vault.pending === "lock";
  // Set while the file is re-encrypted: nothing else may touch the vault meanwhile.
  const running = useSyncExternalStore(reencryption.subscribe, reencryption.current);
  const reencrypting = running !== null;
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
              disabled={vault.pending !== null || reencrypting}
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
      {status?.state === "unlocked" && status.keySource !== null && (
        <KeySettings
          keySource={status.keySource}
          blocked={vault.pending !== null}
          running={running}
          statusChanged={actions.statusChanged}
        />
      )}
      <TableCounts status={status} />
    </>
  );
}

const PASSPHRASE_SET = "The vault is now protected by your passphrase. You will be asked for it when Spearmint starts.";
const REKEYED = "The vault has a new key, kept in your keychain.";

type Reencryption = "passphrase" | "rekey";

/**
 * The re-encryption in flight, if any. Held outside the screen so that leaving Settings and
 * coming back while a big vault is re-encrypted still shows it running, and offers nothing
 * that would start another.
 */
const reencryption = createStore<Reencryption | null>(null);

type KeyProps = {
  keySource: KeySource;
  /** Another vault command runs (say, lock). */
  blocked: boolean;
  /** The file is being re-encrypted, and by which command. */
  running: Reencryption | null;
  statusChanged: VaultActions["statusChanged"];
};

/**
 * What changes the vault's key, for the source it has now: a passphrase (new or instead of
 * the keychain's key) and a fresh key in the keychain. Either re-encrypts the whole file,
 * which takes a moment on a big vault; the current protection stays when it fails.
 */
function KeySettings({ keySource, blocked, running, statusChanged }: KeyProps) {
  const id = useId();
  const fields = useNewPassphrase();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [done, setDone] = useState("");
  const rekeyButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const keychain = keySource === "keychain";
  const busy = running !== null;
  // The question stays while its answer runs, also when Settings was left and opened again.
  const asking = confirming || running === "rekey";
  const disabled = busy || blocked;

  async function reencrypt(which: Reencryption, command: () => Promise<VaultStatus>): Promise<boolean> {
    if (reencryption.current() !== null) return false;
    setDone("");
    setError(null);
    reencryption.set(which);
    try {
      statusChanged(await command());
      setDone(which === "passphrase" ? PASSPHRASE_SET : REKEYED);
      return true;
    } catch (rejection) {
      setError(api.toIpcError(rejection));
      return false;
    } finally {
      // Answered: the question goes, whatever came of it.
      if (which === "rekey") setConfirming(false);
      reencryption.set(null);
    }
  }

  async function submitPassphrase(event: FormEvent) {
    event.preventDefault();
    if (disabled) return;
    const passphrase = fields.check();
    if (passphrase === null) return;
    if (await reencrypt("passphrase", () => api.set_passphrase(passphrase))) fields.clear();
  }

  // The keyboard follows the question asked here: to its answer when it appears, back to
  // the button that asked it when it goes (answered or not).
  const askedHere = useRef(false);
  useEffect(() => {
    if (asking && confirming) {
      confirmButton.current?.focus();
      askedHere.current = true;
    } else if (!asking && askedHere.current) {
      rekeyButton.current?.focus();
      askedHere.current = false;
    }
  }, [asking, confirming]);

  function askRekey() {
    setDone("");
    setConfirming(true);
  }

  const rekey = () => reencrypt("rekey", api.rekey);

  return (
    <section className="card" aria-labelledby={`${id}-title`} aria-busy={busy} data-testid="vault-key">
      <h2 id={`${id}-title`}>Passphrase and key</h2>
      <p className="muted">
        {keychain
          ? "The vault's key is kept in your system keychain, so Spearmint opens the vault without asking you anything."
          : "The vault is protected by your passphrase, which Spearmint never stores. You enter it when Spearmint starts."}
      </p>
      {error && <ErrorBanner error={error} />}
      {/* Kept in the page, hidden while empty, so what it says is announced. */}
      <p role="status" data-testid="vault-key-status" className={done === "" ? "visually-hidden" : undefined}>
        {done}
      </p>

      <div className="overview-split">
        <form
          className="overview-part"
          onSubmit={submitPassphrase}
          aria-labelledby={`${id}-passphrase-title`}
          data-testid="vault-passphrase-form"
          noValidate
        >
          <h3 id={`${id}-passphrase-title`}>{keychain ? "Protect with a passphrase instead" : "Change the passphrase"}</h3>
          <p className="muted small">
            {keychain
              ? "Spearmint will ask for it whenever it starts, and the key leaves your keychain."
              : "The new passphrase replaces the old one: from then on only the new one opens the vault."}{" "}
            Nobody can recover the vault if you forget it, so choose one you will remember or keep it in a password
            manager.
          </p>
          <NewPassphraseFields
            fields={fields}
            id={`${id}-new`}
            testIds={["vault-new-passphrase", "vault-new-passphrase-confirm"]}
            labels={["New passphrase", "New passphrase again"]}
            disabled={disabled}
          />
          <div className="actions">
            <button type="submit" className="primary" data-testid="vault-passphrase-save" disabled={disabled}>
              {running === "passphrase" ? "Re-encrypting…" : keychain ? "Use this passphrase" : "Change the passphrase"}
            </button>
          </div>
        </form>

        <div className="overview-part" role="group" aria-labelledby={`${id}-rekey-title`}>
          <h3 id={`${id}-rekey-title`}>{keychain ? "Re-encrypt with a new key" : "Keep the key in the keychain instead"}</h3>
          <p className="muted small">
            {keychain
              ? "Spearmint re-encrypts the vault with a fresh random key, kept in your system keychain in place of the old one."
              : "Spearmint re-encrypts the vault with a fresh random key kept in your system keychain, and no longer asks for your passphrase when it starts."}
          </p>
          {asking ? (
            <>
              <p id={`${id}-rekey-question`}>
                {keychain
                  ? "Re-encrypt the whole vault now? Its old key stops working."
                  : "Move the key to the keychain now? Anyone who can use your account on this computer can then open the vault."}
              </p>
              <div className="actions">
                <button
                  type="button"
                  ref={confirmButton}
                  className="primary"
                  data-testid="vault-rekey-confirm"
                  aria-describedby={`${id}-rekey-question`}
                  disabled={disabled}
                  onClick={() => void rekey()}
                >
                  {running === "rekey" ? "Re-encrypting…" : keychain ? "Re-encrypt now" : "Move the key to the keychain"}
                </button>
                <button
                  type="button"
                  className="secondary"
                  data-testid="vault-rekey-cancel"
                  disabled={disabled}
                  onClick={() => setConfirming(false)}
                >
                  Cancel
                </button>
              </div>
            </>
          ) : (
            <div className="actions">
              <button
                type="button"
                ref={rekeyButton}
                className="secondary"
                data-testid="vault-rekey"
                disabled={disabled}
                onClick={askRekey}
              >
                {keychain ? "Re-encrypt with a new key…" : "Keep the key in the keychain…"}
              </button>
            </div>
          )}
        </div>
      </div>
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
