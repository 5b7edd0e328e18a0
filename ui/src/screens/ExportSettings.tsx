import { useState } from "react";
import * as api from "../api";
import type { ExportKind } from "../bindings/ExportKind";
import type { IpcError } from "../bindings/IpcError";
import { ErrorBanner } from "../ErrorBanner";
import { formatCount } from "../ledgerText";
import { screenHref } from "../navigation";

const EXPORTS: Array<{ what: ExportKind; label: string; rows: string }> = [
  { what: "transactions", label: "Export transactions", rows: "transactions" },
  { what: "spending", label: "Export monthly spending", rows: "rows of monthly spending" },
  { what: "budgets", label: "Export budgets", rows: "budgets" },
];

/**
 * Exports to CSV: the system's save dialog asks where, the shell writes the file. `transactions`:
 * how many the vault holds (its status's count), null when not known.
 */
export function ExportSettings({ transactions = null }: { transactions?: number | null }) {
  const [busy, setBusy] = useState<ExportKind | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  const run = async (what: ExportKind, rows: string) => {
    setBusy(what);
    setError(null);
    setDone(null);
    try {
      const exported = await api.export_csv(what);
      setDone(exported === null ? "Export cancelled: no file was written." : `Exported ${formatCount(exported.rows)} ${rows} to ${exported.file}.`);
    } catch (e) {
      setError(e as IpcError);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" aria-labelledby="settings-export-title">
      <h2 id="settings-export-title">Export</h2>
      <p className="muted small">
        A CSV file opens in any spreadsheet. It holds your data unencrypted: keep it somewhere private.
      </p>
      {transactions === 0 && (
        <p className="muted" data-testid="settings-empty">
          Nothing to export yet: the vault holds no transactions. Refresh your accounts or import a bank's file on{" "}
          <a href={screenHref("accounts")}>Accounts</a> first.
        </p>
      )}
      <div className="actions">
        {EXPORTS.map(({ what, label, rows }) => (
          <button
            key={what}
            type="button"
            className="secondary"
            data-testid={`export-${what}`}
            disabled={busy !== null}
            onClick={() => void run(what, rows)}
          >
            {busy === what ? "Exporting…" : `${label}…`}
          </button>
        ))}
      </div>
      <p className="small" role="status" data-testid="export-status">
        {done}
      </p>
      {error && <ErrorBanner error={error} />}
    </section>
  );
}
