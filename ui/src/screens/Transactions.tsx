import { memo, useEffect, useId, useMemo, useRef, useState } from "react";
import { ErrorBanner } from "../ErrorBanner";
import type { AccountSummary } from "../bindings/AccountSummary";
import type { Transaction } from "../bindings/Transaction";
import { hasDemo, type LedgerModel } from "../ledger";
import { DemoNote, NeedsUnlock } from "../LedgerParts";
import { formatCount } from "../ledgerText";
import { formatMoney, isNegative } from "../money";
import { canLoadMore, useDebounced, useTransactionPages } from "../transactions";

export const SEARCH_DELAY_MS = 250;

type Props = { unlocked: boolean; ledger: LedgerModel };

export function Transactions({ unlocked, ledger }: Props) {
  if (!unlocked) return <NeedsUnlock what="your transactions" />;
  return <TransactionList ledger={ledger} />;
}

function TransactionList({ ledger }: { ledger: LedgerModel }) {
  const id = useId();
  const [searchInput, setSearchInput] = useState("");
  const [account, setAccount] = useState<string | null>(null);
  const search = useDebounced(searchInput, SEARCH_DELAY_MS);
  const paging = useTransactionPages({ search, account }, ledger.revision);
  const { rows, loading, done, error, loadMore } = paging;
  const accounts = ledger.accounts ?? [];
  const names = useMemo(() => new Map(accounts.map((a: AccountSummary) => [a.id, a.name])), [accounts]);
  const more = canLoadMore(paging);
  const filtered = search.trim() !== "" || account !== null;

  // Load the next page as the end of the list scrolls near. A new observer for
  // every change reports the sentinel's current position straight away, so a
  // short page on a tall window keeps loading until the window is full.
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = sentinel.current;
    if (target === null || !more || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    }, { rootMargin: "0px 0px 600px 0px" });
    observer.observe(target);
    return () => observer.disconnect();
  }, [more, loadMore, rows.length]);

  return (
    <>
      {hasDemo(ledger.connections) && <DemoNote />}
      <section className="card transactions" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`} className="visually-hidden">
          Transactions
        </h2>
        <div className="toolbar" role="search">
          <div className="field grow">
            <label htmlFor={`${id}-search`}>Search</label>
            <input
              id={`${id}-search`}
              type="search"
              data-testid="transactions-search"
              placeholder="Payee or memo"
              autoComplete="off"
              value={searchInput}
              onChange={(e) => setSearchInput(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-account`}>Account</label>
            <select
              id={`${id}-account`}
              data-testid="transactions-account"
              value={account ?? ""}
              onChange={(e) => setAccount(e.target.value === "" ? null : e.target.value)}
            >
              <option value="">All accounts</option>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
        </div>

        {rows.length > 0 ? (
          <table className="data transactions-table" data-testid="transactions-table">
              <thead>
                <tr>
                  <th scope="col" className="col-date">
                    Date
                  </th>
                  <th scope="col">Payee</th>
                  <th scope="col" className="col-account">
                    Account
                  </th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((tx) => (
                  <Row key={tx.id} tx={tx} account={names.get(tx.accountId) ?? ""} />
                ))}
              </tbody>
            </table>
        ) : done && error === null ? (
          <Empty filtered={filtered} refreshing={ledger.refresh.running} />
        ) : null}

        {error && (
          <div className="page-error">
            <ErrorBanner error={error} />
            <div className="actions">
              <button type="button" className="secondary" onClick={paging.retry}>
                Try again
              </button>
            </div>
          </div>
        )}

        <div ref={sentinel} className="sentinel" aria-hidden="true" />
        <div className="list-foot">
          <p className="muted small" role="status" data-testid="transactions-count">
            {loading
              ? "Loading…"
              : rows.length === 0
                ? ""
                : done
                  ? `All ${formatCount(rows.length)} ${filtered ? "matching " : ""}transactions shown`
                  : `Showing the newest ${formatCount(rows.length)} ${filtered ? "matching " : ""}transactions`}
          </p>
          {!done && rows.length > 0 && (
            <button type="button" className="secondary" data-testid="load-more" disabled={!more} onClick={loadMore}>
              {loading ? "Loading…" : "Load more"}
            </button>
          )}
        </div>
      </section>
    </>
  );
}

function Empty({ filtered, refreshing }: { filtered: boolean; refreshing: boolean }) {
  return (
    <div className="empty" data-testid="transactions-empty">
      {filtered ? (
        <p>No transactions match. Try another search or account.</p>
      ) : refreshing ? (
        <p>Fetching your transactions…</p>
      ) : (
        <>
          <p>No transactions yet.</p>
          <p className="muted">Transactions appear here after your accounts are refreshed.</p>
        </>
      )}
    </div>
  );
}

// Dates arrive as "2025-06-13" (a calendar day, no time zone): format it in UTC
// so no time zone can move it to the day before. Many rows share a day.
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const days = new Map<string, string>();

export function formatDay(postedOn: string): string {
  let text = days.get(postedOn);
  if (text === undefined) {
    const time = Date.parse(`${postedOn}T00:00:00Z`);
    text = Number.isNaN(time) ? postedOn : dayFormat.format(time);
    days.set(postedOn, text);
  }
  return text;
}

/** One row; memoised, so loading a page renders only the new rows. */
const Row = memo(function Row({ tx, account }: { tx: Transaction; account: string }) {
  return (
    <tr data-testid="transaction-row" data-id={tx.id} className={tx.pending ? "pending" : undefined}>
      <td className="col-date">
        <time dateTime={tx.postedOn}>{formatDay(tx.postedOn)}</time>
      </td>
      <td className="payee">
        <span className="seller" title={tx.seller}>{tx.payee ?? tx.seller}</span>
        {tx.pending && (
          <span className="pending-badge" data-testid="pending-badge">
            Pending
          </span>
        )}
        {tx.memo && <span className="memo">{tx.memo}</span>}
      </td>
      <td className="col-account subtle">{account}</td>
      <td className={`num amount${isNegative(tx.amount) ? " negative" : ""}`}>{formatMoney(tx.amount)}</td>
    </tr>
  );
});
