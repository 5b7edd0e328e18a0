import { useRef, useState } from "react";
import * as api from "../api";
import type { AccountKind } from "../bindings/AccountKind";
import type { AccountSummary } from "../bindings/AccountSummary";
import type { AmountMapping } from "../bindings/AmountMapping";
import type { ColumnMapping } from "../bindings/ColumnMapping";
import type { CsvColumns } from "../bindings/CsvColumns";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportReport } from "../bindings/ImportReport";
import type { IpcError } from "../bindings/IpcError";
import type { OfxBank } from "../bindings/OfxBank";
import { ErrorBanner } from "../ErrorBanner";
import type { LedgerActions } from "../ledger";
import { ACCOUNT_KINDS, formatCount } from "../ledgerText";
import { formatMoney, isNegative } from "../money";

/** Files that do not say which account they belong to: the user picks it. */
export function needsAccount(fileName: string): boolean {
  return /\.(csv|tsv|qif|txt)$/i.test(fileName);
}

/** "Reading the file…", "Storing 16,384 of 1,000,000 transactions…". */
export function importProgressText(progress: ImportProgress | null): string {
  if (progress === null || progress.phase === "reading") return "Reading the file…";
  if (progress.phase === "storing") {
    return `Storing ${formatCount(progress.done)} of ${formatCount(progress.total)} transactions…`;
  }
  return "Done";
}

/** What an import did (or, for a preview, would do), in words. */
export function importSummaryText(report: ImportReport): string {
  const { added, updated, posted, unchanged } = report.summary;
  const verb = report.dryRun ? "would be" : report.summary.added === 1 ? "was" : "were";
  const parts = [`${formatCount(added)} new ${verb} added`];
  if (updated + posted > 0) parts.push(`${formatCount(updated + posted)} updated`);
  if (unchanged > 0) parts.push(`${formatCount(unchanged)} already there`);
  return `${formatCount(report.transactions)} transactions in the file (${report.format.toUpperCase()}): ${parts.join(", ")}.`;
}

type Props = { accounts: AccountSummary[]; actions: LedgerActions; refreshing: boolean };

/** Adding accounts: a bank's exported file, a manual account for it, or a SimpleFIN Bridge link. */
export function AddAccount({ accounts, actions, refreshing }: Props) {
  return (
    <section className="card" aria-labelledby="add-account-title" data-testid="add-account">
      <h2 id="add-account-title">Add an account</h2>
      <ImportFile accounts={accounts} actions={actions} />
      <NewAccount actions={actions} />
      <ConnectSimplefin actions={actions} busy={refreshing} />
      <ConnectOfx actions={actions} busy={refreshing} />
    </section>
  );
}

function ImportFile({ accounts, actions }: { accounts: AccountSummary[]; actions: LedgerActions }) {
  const [file, setFile] = useState<File | null>(null);
  const [account, setAccount] = useState("");
  const [preview, setPreview] = useState<ImportReport | null>(null);
  const [done, setDone] = useState<ImportReport | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  // The columns as the user mapped them (null: as the account's saved mapping or detection reads them).
  const [mapping, setMapping] = useState<ColumnMapping | null>(null);
  const [layout, setLayout] = useState<{ columns: CsvColumns; draft: ColumnMapping } | null>(null);
  const missingAccount = file !== null && needsAccount(file.name) && account === "";
  const isCsv = file !== null && /\.(csv|tsv|txt)$/i.test(file.name);
  const currency = accounts.find((a) => a.id === account)?.currency ?? "USD";

  /** Opens the column editor on the file, from the columns the last preview used if any. */
  const mapColumns = async () => {
    if (file === null) return;
    setError(null);
    try {
      const columns = await api.csv_columns(file);
      const draft = mapping ?? preview?.columns ?? firstGuess(columns, currency);
      setLayout({ columns, draft: { ...draft, delimiter: columns.delimiter, currency } });
      setPreview(null);
    } catch (rejection) {
      setError(api.toIpcError(rejection));
    }
  };

  const run = async (dryRun: boolean, columns: ColumnMapping | null = mapping) => {
    if (file === null) return;
    setBusy(true);
    setError(null);
    setProgress(null);
    try {
      const report = await api.import_file(file, account === "" ? null : account, columns, dryRun, setProgress);
      if (dryRun) {
        setPreview(report);
      } else {
        setPreview(null);
        setDone(report);
        await actions.reload();
      }
    } catch (rejection) {
      setError(api.toIpcError(rejection));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="add-part"
      data-testid="import-form"
      onSubmit={(e) => {
        e.preventDefault();
        void run(true);
      }}
    >
      <h3>Import a bank's file</h3>
      <p className="muted small">
        OFX or QFX, QIF, CSV, CAMT.053 or SimpleFIN JSON, as your bank's website exports it. Importing the same file again
        adds nothing.
      </p>
      <div className="actions">
        <input
          type="file"
          data-testid="import-file"
          accept=".ofx,.qfx,.qif,.csv,.tsv,.txt,.xml,.json"
          disabled={busy}
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setPreview(null);
            setDone(null);
            setError(null);
            setMapping(null);
            setLayout(null);
          }}
        />
        <label>
          Into{" "}
          <select
            data-testid="import-account"
            value={account}
            disabled={busy}
            onChange={(e) => {
              setAccount(e.target.value);
              setPreview(null);
            }}
          >
            <option value="">the accounts the file names</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="secondary" disabled={file === null || busy || missingAccount}>
          Preview
        </button>
      </div>
      {missingAccount && (
        <p className="muted small" data-testid="import-needs-account">
          A {file.name.split(".").pop()?.toUpperCase()} file does not say which account it is: pick one, or add a
          manual account below.
        </p>
      )}
      {busy && (
        <p role="status" className="progress-text" data-testid="import-progress">
          {importProgressText(progress)}
        </p>
      )}
      {error && <ErrorBanner error={error} />}
      {isCsv && !missingAccount && layout === null && (error !== null || preview !== null) && (
        <p className="small">
          <button type="button" className="link" data-testid="map-columns" disabled={busy} onClick={() => void mapColumns()}>
            {error ? "Map the columns by hand" : "Dates or amounts read wrong? Map the columns"}
          </button>
        </p>
      )}
      {layout && (
        <MapColumns
          layout={layout.columns}
          draft={layout.draft}
          busy={busy}
          onCancel={() => setLayout(null)}
          onApply={(chosen) => {
            setMapping(chosen);
            setLayout(null);
            void run(true, chosen);
          }}
        />
      )}
      {preview && (
        <div data-testid="import-preview">
          <p>{importSummaryText(preview)}</p>
          {preview.warnings.map((w) => (
            <p key={w} className="muted small">
              {w}
            </p>
          ))}
          <table className="data">
            <thead>
              <tr>
                <th>Date</th>
                <th>Payee</th>
                <th className="num">Amount</th>
              </tr>
            </thead>
            <tbody>
              {preview.preview.map((row, i) => (
                <tr key={i} data-testid="import-preview-row">
                  <td>{row.postedOn}</td>
                  <td>
                    {row.payee}
                    {row.pending ? " (pending)" : ""}
                  </td>
                  <td className={isNegative(row.amount) ? "amount negative" : "amount"}>{formatMoney(row.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button
              type="button"
              className="primary"
              data-testid="import-confirm"
              disabled={busy}
              onClick={() => void run(false)}
            >
              Import {formatCount(preview.summary.added)} transactions
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setPreview(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {done && (
        <p role="status" data-testid="import-done">
          {importSummaryText(done)}
        </p>
      )}
    </form>
  );
}

function NewAccount({ actions }: { actions: LedgerActions }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<AccountKind>("checking");
  const [currency, setCurrency] = useState("USD");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  return (
    <form
      className="add-part"
      data-testid="new-account-form"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        void api
          .create_account(name.trim(), kind, currency.trim().toUpperCase())
          .then(async () => {
            setCreated(name.trim());
            setName("");
            await actions.reload();
          })
          .catch((rejection: unknown) => setError(api.toIpcError(rejection)))
          .finally(() => setBusy(false));
      }}
    >
      <h3>A manual account</h3>
      <p className="muted small">For a bank Spearmint does not reach: import its files into it.</p>
      <div className="actions">
        <input
          data-testid="new-account-name"
          placeholder="Name, e.g. Credit union checking"
          value={name}
          required
          disabled={busy}
          onChange={(e) => setName(e.target.value)}
        />
        <select
          data-testid="new-account-kind"
          value={kind}
          disabled={busy}
          onChange={(e) => setKind(e.target.value as AccountKind)}
        >
          {Object.entries(ACCOUNT_KINDS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <input
          data-testid="new-account-currency"
          aria-label="Currency"
          className="short"
          value={currency}
          maxLength={3}
          required
          disabled={busy}
          onChange={(e) => setCurrency(e.target.value)}
        />
        <button type="submit" className="secondary" disabled={busy || name.trim() === ""}>
          Add
        </button>
      </div>
      {created && (
        <p className="muted small" data-testid="new-account-done">
          Added {created}.
        </p>
      )}
      {error && <ErrorBanner error={error} />}
    </form>
  );
}

function ConnectSimplefin({ actions, busy }: { actions: LedgerActions; busy: boolean }) {
  const [token, setToken] = useState("");
  return (
    <form
      className="add-part"
      data-testid="simplefin-form"
      onSubmit={(e) => {
        e.preventDefault();
        const setupToken = token.trim();
        setToken("");
        void actions.linkSimplefin(setupToken);
      }}
    >
      <h3>Connect through SimpleFIN Bridge</h3>
      <p className="muted small">
        Paste the setup token the SimpleFIN Bridge gives you. It works once; Spearmint keeps the access it grants in your
        system keychain and fetches your accounts a few times a day at most.
      </p>
      <div className="actions">
        <input
          data-testid="simplefin-token"
          aria-label="SimpleFIN setup token"
          placeholder="Setup token"
          value={token}
          autoComplete="off"
          spellCheck={false}
          disabled={busy}
          onChange={(e) => setToken(e.target.value)}
        />
        <button type="submit" className="secondary" disabled={busy || token.trim() === ""}>
          {busy ? "Connecting…" : "Connect"}
        </button>
      </div>
    </form>
  );
}

/** What a bank gives for OFX Direct Connect besides its version, as the form asks for it. */
const CUSTOM_OFX_FIELDS: { field: "url" | "org" | "fid"; label: string; placeholder: string }[] = [
  { field: "url", label: "The bank's OFX address", placeholder: "https://…" },
  { field: "org", label: "ORG (as the bank gives it)", placeholder: "ORG" },
  { field: "fid", label: "FID (as the bank gives it)", placeholder: "FID" },
];

/** The OFX versions banks speak, the most common first. */
const OFX_VERSIONS = [102, 103, 211, 220] as const;

function ConnectOfx({ actions, busy }: { actions: LedgerActions; busy: boolean }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<OfxBank[] | null>(null);
  const [bank, setBank] = useState<OfxBank | null>(null);
  // A bank the directory lacks, at the address the bank gave the user.
  const [custom, setCustom] = useState<api.CustomOfxBank | null>(null);
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  // Answers to an earlier search that arrive late are dropped.
  const latest = useRef("");

  const search = async (text: string) => {
    latest.current = text;
    setQuery(text);
    setBank(null);
    setCustom(null);
    setError(null);
    if (text.trim().length < 2) {
      setFound(null);
      return;
    }
    try {
      const banks = await api.search_banks(text);
      if (latest.current === text) setFound(banks);
    } catch (rejection) {
      setError(api.toIpcError(rejection));
    }
  };

  const chosen = bank !== null || custom !== null;
  const customReady = custom === null || custom.url.trim() !== "";
  return (
    <form
      className="add-part"
      data-testid="ofx-form"
      onSubmit={(e) => {
        e.preventDefault();
        const secret = password;
        // The password goes to the shell (then the keychain), not to this page's state.
        setPassword("");
        if (bank !== null) void actions.linkOfx(bank, user.trim(), secret);
        else if (custom !== null) void actions.linkOfxCustom({ ...custom, url: custom.url.trim() }, user.trim(), secret);
      }}
    >
      <h3>Connect a bank by OFX Direct Connect</h3>
      <p className="muted small">
        Some US banks and card issuers let money apps sign in with your online-banking login. It is kept in your system
        keychain, never in the vault.
      </p>
      <div className="actions">
        <input
          data-testid="ofx-search"
          aria-label="Bank name"
          placeholder="Bank name, e.g. amex"
          value={query}
          disabled={busy}
          onChange={(e) => void search(e.target.value)}
        />
        {custom === null && (
          <button
            type="button"
            className="link"
            data-testid="ofx-custom"
            disabled={busy}
            onClick={() => {
              setBank(null);
              setCustom({ url: "", org: "", fid: "", version: OFX_VERSIONS[0] });
            }}
          >
            My bank is not listed
          </button>
        )}
      </div>
      {found !== null && !chosen && (
        <ul className="bank-list" data-testid="ofx-banks">
          {found.length === 0 ? (
            <li className="muted small">No bank by that name in the directory.</li>
          ) : (
            found.map((b) => (
              <li key={b.name}>
                <button type="button" className="link" onClick={() => setBank(b)}>
                  {b.name}
                </button>
              </li>
            ))
          )}
        </ul>
      )}
      {custom !== null && (
        <div className="actions" data-testid="ofx-custom-bank">
          <p className="muted small">
            Enter what your bank gives for OFX Direct Connect (often on its help pages, or from its support). Spearmint
            asks you to confirm the address before it sends your login.
          </p>
          {CUSTOM_OFX_FIELDS.map(({ field, label, placeholder }) => (
            <input
              key={field}
              data-testid={`ofx-${field}`}
              aria-label={label}
              placeholder={placeholder}
              autoComplete="off"
              value={custom[field]}
              required={field === "url"}
              disabled={busy}
              onChange={(e) => setCustom({ ...custom, [field]: e.target.value })}
            />
          ))}
          <select
            data-testid="ofx-version"
            aria-label="OFX version"
            value={custom.version}
            disabled={busy}
            onChange={(e) => setCustom({ ...custom, version: Number.parseInt(e.target.value, 10) })}
          >
            {OFX_VERSIONS.map((v) => (
              <option key={v} value={v}>
                OFX {v}
              </option>
            ))}
          </select>
        </div>
      )}
      {chosen && (
        <div className="actions" data-testid="ofx-login">
          <strong>{bank !== null ? bank.name : "Your bank"}</strong>
          <input
            data-testid="ofx-user"
            aria-label="User name at the bank"
            placeholder="User name"
            autoComplete="off"
            value={user}
            required
            disabled={busy}
            onChange={(e) => setUser(e.target.value)}
          />
          <input
            data-testid="ofx-password"
            aria-label="Password at the bank"
            placeholder="Password"
            type="password"
            autoComplete="off"
            value={password}
            required
            disabled={busy}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button
            type="submit"
            className="secondary"
            disabled={busy || user.trim() === "" || password === "" || !customReady}
          >
            {busy ? "Connecting…" : "Connect"}
          </button>
        </div>
      )}
      {error && <ErrorBanner error={error} />}
    </form>
  );
}

/** A starting point when detection found nothing: the first date-like column, the next two. */
function firstGuess(columns: CsvColumns, currency: string): ColumnMapping {
  const dateColumn = Math.max(0, columns.dateFormats.findIndex((formats) => formats.length > 0));
  const other = (n: number) => [...columns.columns.keys()].filter((i) => i !== dateColumn)[n] ?? 0;
  return {
    delimiter: columns.delimiter,
    hasHeader: columns.hasHeader,
    skipRows: 0,
    dateColumn,
    dateFormat: columns.dateFormats[dateColumn]?.[0] ?? "%Y-%m-%d",
    amount: { kind: "signed", column: other(1), negate: false },
    payeeColumn: other(0),
    memoColumn: null,
    idColumn: null,
    decimalComma: false,
    currency,
  };
}

/** Picks which column is what, with the file's first rows in view. */
function MapColumns({
  layout,
  draft,
  busy,
  onApply,
  onCancel,
}: {
  layout: CsvColumns;
  draft: ColumnMapping;
  busy: boolean;
  onApply: (mapping: ColumnMapping) => void;
  onCancel: () => void;
}) {
  const [m, setM] = useState<ColumnMapping>(draft);
  const formats = [...new Set([m.dateFormat, ...(layout.dateFormats[m.dateColumn] ?? [])])];
  const column = (testId: string, value: number, set: (n: number) => void) => (
    <select data-testid={testId} value={value} disabled={busy} onChange={(e) => set(Number(e.target.value))}>
      {layout.columns.map((name, i) => (
        <option key={i} value={i}>
          {name || `Column ${i + 1}`}
        </option>
      ))}
    </select>
  );
  const check = (testId: string, checked: boolean, set: (on: boolean) => void, label: string) => (
    <label>
      <input type="checkbox" data-testid={testId} checked={checked} disabled={busy} onChange={(e) => set(e.target.checked)} />{" "}
      {label}
    </label>
  );
  const { amount } = m;
  const setAmount = (next: AmountMapping) => setM({ ...m, amount: next });
  // Switching between one and two amount columns keeps the first column chosen.
  const firstAmountColumn = amount.kind === "signed" ? amount.column : amount.debit;
  return (
    <div className="map-columns" data-testid="map-columns-form">
      <table className="data">
        <thead>
          <tr>
            {layout.columns.map((name, i) => (
              <th key={i}>{name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {layout.rows.slice(0, 5).map((row, r) => (
            <tr key={r}>
              {row.map((cell, i) => (
                <td key={i}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="map-grid">
        <label>
          Date {column("map-date", m.dateColumn, (n) => setM({ ...m, dateColumn: n, dateFormat: layout.dateFormats[n]?.[0] ?? m.dateFormat }))}
        </label>
        <label>
          written{" "}
          <select data-testid="map-date-format" value={m.dateFormat} disabled={busy} onChange={(e) => setM({ ...m, dateFormat: e.target.value })}>
            {formats.map((f) => (
              <option key={f} value={f}>
                {dateFormatLabel(f)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Payee {column("map-payee", m.payeeColumn, (n) => setM({ ...m, payeeColumn: n }))}
        </label>
        {check(
          "map-split",
          amount.kind === "debit_credit",
          (on) =>
            setAmount(
              on
                ? { kind: "debit_credit", debit: firstAmountColumn, credit: 0 }
                : { kind: "signed", column: firstAmountColumn, negate: false },
            ),
          "money out and in are in two columns",
        )}
        {amount.kind === "signed" ? (
          <>
            <label>Amount {column("map-amount", amount.column, (n) => setAmount({ ...amount, column: n }))}</label>
            {check("map-negate", amount.negate, (on) => setAmount({ ...amount, negate: on }), "purchases are written as positive numbers")}
          </>
        ) : (
          <>
            <label>Money out {column("map-debit", amount.debit, (n) => setAmount({ ...amount, debit: n }))}</label>
            <label>Money in {column("map-credit", amount.credit, (n) => setAmount({ ...amount, credit: n }))}</label>
          </>
        )}
        {check("map-decimal-comma", m.decimalComma, (on) => setM({ ...m, decimalComma: on }), "amounts are written 1.234,56")}
        {check("map-header", m.hasHeader, (on) => setM({ ...m, hasHeader: on }), "the first row names the columns")}
      </div>
      <div className="actions">
        <button type="button" className="secondary" data-testid="map-apply" disabled={busy} onClick={() => onApply(m)}>
          Preview with these columns
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** `%d/%m/%Y` as a person reads it: "31/12/2025 (day first)". */
export function dateFormatLabel(format: string): string {
  const sample = format
    .replace("%Y", "2025")
    .replace("%y", "25")
    .replace("%m", "12")
    .replace("%d", "31")
    .replace("%b", "Dec")
    .replace("%H", "14")
    .replace("%M", "30")
    .replace("%S", "00");
  const dayFirst = format.indexOf("%d") >= 0 && format.indexOf("%d") < format.indexOf("%m");
  const monthFirst = format.indexOf("%m") >= 0 && format.indexOf("%m") < format.indexOf("%d");
  const yearFirst = format.startsWith("%Y") || format.startsWith("%y");
  const order = yearFirst ? "" : dayFirst ? " (day first)" : monthFirst ? " (month first)" : "";
  return `${sample}${order}`;
}
