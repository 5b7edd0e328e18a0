// The Alerts screen: what Spearmint told the user (a budget nearly used or over, an account that
// needs them), newest first, unread ones marked; each opens what it is about.
import { useCallback, useEffect, useId, useRef, useState } from "react";
import * as api from "../api";
import type { IpcError } from "../bindings/IpcError";
import type { Notification } from "../bindings/Notification";
import type { NotificationId } from "../bindings/NotificationId";
import { ErrorBanner } from "../ErrorBanner";
import type { LedgerModel } from "../ledger";
import { NeedsUnlock } from "../LedgerParts";
import { formatCount } from "../ledgerText";
import { screenHref } from "../navigation";
import "./rules.css";

type Props = { unlocked: boolean; ledger: LedgerModel };

export function Alerts({ unlocked, ledger }: Props) {
  if (!unlocked) return <NeedsUnlock what="your alerts" />;
  return <AlertsBody revision={ledger.revision} />;
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** An RFC 3339 time on this machine's clock, as the locale writes it; as it came when unreadable. */
export function alertTimeText(createdAt: string, format: Intl.DateTimeFormat = when): string {
  const time = Date.parse(createdAt);
  return Number.isNaN(time) ? createdAt : format.format(new Date(time));
}

/** "June 2025" for `2025-06`; as it came when it is not a month. */
export function monthText(month: string, locale?: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (match === null) return month;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, 1);
  return date.toLocaleDateString(locale, { month: "long", year: "numeric" });
}

/** Newest first, by the time each was raised (ties keep the command's order). */
export function newestFirst(alerts: readonly Notification[]): Notification[] {
  const at = (n: Notification) => {
    const time = Date.parse(n.createdAt);
    return Number.isNaN(time) ? 0 : time;
  };
  return [...alerts].sort((a, b) => at(b) - at(a));
}

/** Where an alert leads: its budget, or the accounts for a connection that needs the user. */
export function alertLink(alert: Notification): { href: string; text: string } | null {
  if (alert.kind === "budget_threshold" && alert.month !== null && alert.category !== null) {
    return { href: screenHref("budgets", { month: alert.month, category: alert.category }), text: "Open the budget" };
  }
  if (alert.kind === "account_attention" && alert.connection !== null) {
    return { href: screenHref("accounts"), text: "Open accounts" };
  }
  return null;
}

function AlertsBody({ revision }: { revision: number }) {
  const [alerts, setAlerts] = useState<Notification[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const load = useCallback(async () => {
    const list = await api.list_notifications();
    if (live.current) setAlerts(newestFirst(list));
  }, []);

  // Read again after each refresh: one may have raised an alert.
  useEffect(() => {
    load().then(
      () => live.current && setError(null),
      (rejection) => live.current && setError(api.toIpcError(rejection)),
    );
  }, [load, revision]);

  const mark = async (ids: NotificationId[], read: boolean, text: string) => {
    if (ids.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      await api.mark_notifications(ids, read);
      await load();
      if (live.current) setStatus(text);
    } catch (rejection) {
      if (!live.current) return;
      const failure = api.toIpcError(rejection);
      setError(failure);
      // An alert no longer listed: show the list as it is now.
      if (failure.kind === "NotFound") await load().catch(() => undefined);
    } finally {
      if (live.current) setBusy(false);
    }
  };

  const unread = alerts?.filter((a) => a.readAt === null) ?? [];
  return (
    <section className="card" aria-labelledby="alerts-title">
      <div className="card-head">
        <h2 id="alerts-title">Your alerts</h2>
        {alerts !== null && alerts.length > 0 && (
          <button
            type="button"
            className="secondary"
            data-testid="alerts-read-all"
            disabled={busy || unread.length === 0}
            onClick={() =>
              void mark(
                unread.map((a) => a.id),
                true,
                unread.length === 1 ? "Marked 1 alert as read." : `Marked ${formatCount(unread.length)} alerts as read.`,
              )
            }
          >
            Mark all as read
          </button>
        )}
      </div>
      {error && <ErrorBanner error={error} />}
      {alerts === null ? (
        error === null && (
          <p className="muted" role="status">
            Loading…
          </p>
        )
      ) : alerts.length === 0 ? (
        <div className="empty" data-testid="alerts-empty">
          <p>No alerts yet.</p>
          <p className="muted">
            Spearmint tells you here (and with a system notification) when a budget is nearly used or over, or when an
            account needs you. Set what each category may spend on <a href={screenHref("budgets")}>Budgets</a>, and at
            what share of it you are alerted in <a href={screenHref("settings")}>Settings</a>.
          </p>
        </div>
      ) : (
        <>
          <p data-testid="alerts-unread" className="muted small">
            {unread.length === 0
              ? "All read."
              : `${formatCount(unread.length)} unread ${unread.length === 1 ? "alert" : "alerts"}.`}
          </p>
          <p role="status" className="rules-status" data-testid="alerts-status">
            {status}
          </p>
          <ul className="alert-list" data-testid="alerts-list">
            {alerts.map((alert) => (
              <AlertRow
                key={alert.id}
                alert={alert}
                busy={busy}
                onMark={(read) =>
                  void mark([alert.id], read, read ? "Marked as read." : "Marked as unread.")
                }
                onOpen={() => {
                  // The link goes on to its screen; the alert is read from then on.
                  if (alert.readAt === null) void api.mark_notifications([alert.id], true).catch(() => undefined);
                }}
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function AlertRow({
  alert,
  busy,
  onMark,
  onOpen,
}: {
  alert: Notification;
  busy: boolean;
  onMark: (read: boolean) => void;
  onOpen: () => void;
}) {
  const id = useId();
  const unread = alert.readAt === null;
  const link = alertLink(alert);
  return (
    <li
      className={`alert-row${unread ? " alert-unread" : ""}`}
      data-testid={`alert-${alert.id}`}
      data-kind={alert.kind}
      data-read={!unread}
      aria-labelledby={`${id}-summary`}
    >
      <div className="alert-head">
        <p className="alert-summary" id={`${id}-summary`}>
          {unread && (
            <span className="alert-marker" data-testid="alert-unread-marker">
              Unread
            </span>
          )}
          {unread ? <strong>{alert.summary}</strong> : alert.summary}
        </p>
        <time className="alert-when" dateTime={alert.createdAt}>
          {alertTimeText(alert.createdAt)}
        </time>
      </div>
      <p className="alert-body">{alert.body}</p>
      {alert.kind === "budget_threshold" && alert.month !== null && (
        <p className="muted small">Budget for {monthText(alert.month)}.</p>
      )}
      <div className="alert-actions">
        {link && (
          <a href={link.href} data-testid={`alert-link-${alert.id}`} aria-describedby={`${id}-summary`} onClick={onOpen}>
            {link.text}
          </a>
        )}
        <button
          type="button"
          className="secondary"
          data-testid={`alert-read-${alert.id}`}
          aria-describedby={`${id}-summary`}
          disabled={busy}
          onClick={() => onMark(unread)}
        >
          {unread ? "Mark as read" : "Mark as unread"}
        </button>
      </div>
    </li>
  );
}
