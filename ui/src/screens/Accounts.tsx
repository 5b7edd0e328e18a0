import { useEffect, useId, useRef, useState, type KeyboardEvent, type MouseEvent, type SyntheticEvent } from "react";
import * as api from "../api";
import { ErrorBanner } from "../ErrorBanner";
import type { AccountSummary } from "../bindings/AccountSummary";
import type { Connection } from "../bindings/Connection";
import type { IpcError } from "../bindings/IpcError";
import { accountCountOf, hasDemo, isOwnAccount, type LedgerActions, type LedgerModel } from "../ledger";
import { DemoNote, NeedsUnlock, ProviderNote, RefreshOutcome } from "../LedgerParts";
import {
  ACCOUNT_KINDS,
  disconnectedText,
  formatCount,
  keepChoiceText,
  removeAccountQuestion,
  removeChoiceText,
  removedAccountText,
  statusView,
} from "../ledgerText";
import { formatMoney, isNegative } from "../money";
import { AddAccount } from "./AddAccount";

type Props = { unlocked: boolean; ledger: LedgerModel; actions: LedgerActions };

export function Accounts({ unlocked, ledger, actions }: Props) {
  if (!unlocked) return <NeedsUnlock what="your accounts" />;
  return <AccountsBody ledger={ledger} actions={actions} />;
}

/** What the user asked to remove, waiting for their confirmation. */
type Removal =
  | { kind: "disconnect"; connection: Connection; accounts: number | null }
  | { kind: "remove-account"; account: AccountSummary };

function AccountsBody({ ledger, actions }: { ledger: LedgerModel; actions: LedgerActions }) {
  const { accounts, connections, refresh } = ledger;
  const [removal, setRemoval] = useState<Removal | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  // Where focus goes once the confirmation is gone: back to the button that opened it, or (when
  // that button went with what it removed) to the message that says what happened.
  const opener = useRef<HTMLElement | null>(null);
  const focusNext = useRef<HTMLElement | null>(null);
  const removedMessage = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (removal === null && focusNext.current !== null) {
      focusNext.current.focus();
      focusNext.current = null;
    }
  }, [removal]);

  const ask = (event: MouseEvent<HTMLElement>, next: Removal) => {
    opener.current = event.currentTarget;
    setRemoval(next);
  };
  const cancel = () => {
    focusNext.current = opener.current;
    setRemoval(null);
  };
  const finish = (text: string) => {
    setRemoved(text);
    focusNext.current = removedMessage.current;
    setRemoval(null);
  };
  // Nothing is removed while a refresh writes, nor two things at once.
  const canRemove = !refresh.running && removal === null;
  const askDisconnect = (event: MouseEvent<HTMLElement>, connection: Connection) =>
    ask(event, { kind: "disconnect", connection, accounts: accountCountOf(connection, accounts ?? []) });
  const askRemove = (event: MouseEvent<HTMLElement>, account: AccountSummary) =>
    ask(event, { kind: "remove-account", account });

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
        <p role="status" className="removed-status" data-testid="removed-status" tabIndex={-1} ref={removedMessage}>
          {removed}
        </p>
        {accounts === null ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : accounts.length === 0 ? (
          <NoAccounts connections={connections} busy={refresh.running} linkDemo={actions.linkDemo} />
        ) : (
          <AccountsTable accounts={accounts} canRemove={canRemove} askRemove={askRemove} />
        )}
      </section>
      <RefreshOutcome refresh={refresh} />
      {connections !== null && connections.length > 0 && (
        <Connections connections={connections} canRemove={canRemove} askDisconnect={askDisconnect} />
      )}
      {accounts !== null && <AddAccount accounts={accounts} actions={actions} refreshing={refresh.running} />}
      {removal !== null && <ConfirmRemoval removal={removal} reload={actions.reload} onCancel={cancel} onDone={finish} />}
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
    return (
      <p className="muted" data-testid="accounts-empty">
        No accounts yet: refresh to fetch them from your bank.
      </p>
    );
  }
  return (
    <div className="empty" data-testid="accounts-empty">
      <p>No accounts yet.</p>
      <p className="muted">
        Connect your bank or import a file it exported under Add an account below, or try Spearmint with the built-in
        demo bank: generated accounts and transactions, no bank needed.
      </p>
      <div className="actions">
        <button type="button" className="secondary" data-testid="link-demo-button" disabled={busy} onClick={() => void linkDemo()}>
          Link the demo bank
        </button>
      </div>
    </div>
  );
}

function AccountsTable({
  accounts,
  canRemove,
  askRemove,
}: {
  accounts: AccountSummary[];
  canRemove: boolean;
  askRemove: (event: MouseEvent<HTMLElement>, account: AccountSummary) => void;
}) {
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
            <th scope="col">
              <span className="visually-hidden">Actions</span>
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
              <td className="row-actions">
                {isOwnAccount(account) && (
                  <button
                    type="button"
                    className="quiet"
                    data-testid={`remove-account-${account.id}`}
                    aria-label={`Remove ${account.name}…`}
                    disabled={!canRemove}
                    onClick={(event) => askRemove(event, account)}
                  >
                    Remove…
                  </button>
                )}
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

function Connections({
  connections,
  canRemove,
  askDisconnect,
}: {
  connections: Connection[];
  canRemove: boolean;
  askDisconnect: (event: MouseEvent<HTMLElement>, connection: Connection) => void;
}) {
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
            <button
              type="button"
              className="quiet push-end"
              data-testid={`disconnect-${c.id}`}
              aria-label={`Disconnect ${c.label}…`}
              disabled={!canRemove}
              onClick={(event) => askDisconnect(event, c)}
            >
              Disconnect…
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

type ConfirmProps = {
  removal: Removal;
  reload: () => Promise<void>;
  onCancel: () => void;
  onDone: (text: string) => void;
};

/**
 * Asks before anything is removed, in a modal `<dialog>` (not `window.confirm`, which the
 * webview may block), and runs the removal: the buttons wait while it runs, a refusal shows in
 * the dialog, and once done the lists are read again.
 */
function ConfirmRemoval({ removal, reload, onCancel, onDone }: ConfirmProps) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  // Which choice runs: keeping the transactions or removing them.
  const [running, setRunning] = useState<"keep" | "remove" | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  const open = () => {
    const d = dialog.current;
    if (d === null || d.open) return;
    // jsdom has no showModal; a browser makes the page behind inert and keeps focus inside.
    if (typeof d.showModal === "function") d.showModal();
    else d.setAttribute("open", "");
  };
  useEffect(() => {
    open();
    cancelButton.current?.focus();
  }, []);

  const run = async (keep: boolean) => {
    setRunning(keep ? "keep" : "remove");
    setError(null);
    try {
      let text: string;
      if (removal.kind === "disconnect") {
        const { connection } = removal;
        text = disconnectedText(connection.label, await api.disconnect(connection.id, keep), keep);
      } else {
        // An account of the user's own cannot keep its transactions: the shell refuses that.
        text = removedAccountText(removal.account.name, await api.remove_account(removal.account.id, false));
      }
      await reload();
      onDone(text);
    } catch (rejection) {
      setError(api.toIpcError(rejection));
      setRunning(null);
    }
  };

  // The buttons were disabled while it ran: after a refusal, focus comes back inside.
  useEffect(() => {
    if (error !== null) cancelButton.current?.focus();
  }, [error]);

  const busy = running !== null;
  // Escape closes it, unless the removal already runs (it cannot be taken back half-way).
  const onKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    if (!busy) onCancel();
  };
  const onNativeCancel = (event: SyntheticEvent<HTMLDialogElement>) => {
    event.preventDefault();
    if (!busy) onCancel();
  };
  // Should the browser close it anyway while the removal runs, it comes back to show the result.
  const onClose = () => {
    if (busy) open();
    else onCancel();
  };

  const question =
    removal.kind === "disconnect"
      ? `Disconnect ${removal.connection.label}?`
      : removeAccountQuestion(removal.account.name, removal.account.transactions);

  return (
    <dialog
      ref={dialog}
      className="confirm"
      data-testid="confirm-dialog"
      aria-labelledby={`${id}-question`}
      aria-describedby={`${id}-what`}
      aria-busy={busy}
      onKeyDown={onKeyDown}
      onCancel={onNativeCancel}
      onClose={onClose}
    >
      <h2 id={`${id}-question`}>{question}</h2>
      {removal.kind === "disconnect" ? (
        <div id={`${id}-what`} className="confirm-what">
          <p>Spearmint forgets the bank's login and stops refreshing it.</p>
          <p className="muted small">
            Kept accounts stay with every transaction, as accounts of your own. Removed ones go with all their
            transactions, which cannot be undone.
          </p>
        </div>
      ) : (
        <p id={`${id}-what`}>This cannot be undone.</p>
      )}
      {error && <ErrorBanner error={error} />}
      <div className="actions">
        {removal.kind === "disconnect" && (
          <button
            type="button"
            className="primary"
            data-testid="confirm-keep"
            disabled={busy}
            onClick={() => void run(true)}
          >
            {running === "keep" ? "Disconnecting…" : keepChoiceText(removal.accounts)}
          </button>
        )}
        <button
          type="button"
          className="danger"
          data-testid="confirm-remove"
          disabled={busy}
          onClick={() => void run(false)}
        >
          {removal.kind === "disconnect"
            ? running === "remove"
              ? "Disconnecting…"
              : removeChoiceText(removal.accounts)
            : running === "remove"
              ? "Removing…"
              : "Remove"}
        </button>
        <button
          type="button"
          className="secondary"
          data-testid="confirm-cancel"
          ref={cancelButton}
          disabled={busy}
          onClick={onCancel}
        >
          Cancel
        </button>
      </div>
    </dialog>
  );
}
