import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import * as api from "../api";
import { ErrorBanner } from "../ErrorBanner";
import type { AccountSummary } from "../bindings/AccountSummary";
import type { Category } from "../bindings/Category";
import type { IpcError } from "../bindings/IpcError";
import type { Transaction } from "../bindings/Transaction";
import { CategoryPicker } from "../CategoryPicker";
import { whyText } from "../categoryText";
import { hasDemo, type LedgerModel } from "../ledger";
import { DemoNote, NeedsUnlock } from "../LedgerParts";
import { formatCount } from "../ledgerText";
import { formatMoney, isNegative } from "../money";
import { isMonth, monthLabel } from "../spending";
import { canLoadMore, useDebounced, useTransactionPages } from "../transactions";
import { useLoad } from "../useLoad";

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
  const [category, setCategory] = useState<string | null>(null);
  const [month, setMonth] = useState<string | null>(null);
  const search = useDebounced(searchInput, SEARCH_DELAY_MS);
  const paging = useTransactionPages({ search, account, category, month }, ledger.revision);
  const { rows, loading, done, error, loadMore, patch } = paging;
  const accounts = ledger.accounts ?? [];
  const names = useMemo(() => new Map(accounts.map((a: AccountSummary) => [a.id, a.name])), [accounts]);
  const loadedCategories = useLoad(() => api.list_categories(), []);
  const categories = loadedCategories.data ?? NO_CATEGORIES;
  const categoryNames = useMemo(() => new Map(categories.map((c) => [c.id, c.name])), [categories]);
  const more = canLoadMore(paging);
  const filtered = search.trim() !== "" || account !== null || category !== null || month !== null;
  const [editing, setEditing] = useState<string | null>(null);
  const [changed, setChanged] = useState<string | null>(null);
  const table = useRef<HTMLTableSectionElement>(null);
  const onChanged = useCallback(
    (row: Transaction, text: string) => {
      patch(row);
      setChanged(text);
    },
    [patch],
  );

  // Arrows move between rows, Enter opens the row's category, Escape closes it.
  const onKeyDown = useCallback((e: KeyboardEvent<HTMLTableSectionElement>) => {
    const row = (e.target as HTMLElement).closest<HTMLTableRowElement>("tr[data-id]");
    if (row === null || e.target !== row) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const all = [...(table.current?.querySelectorAll<HTMLTableRowElement>("tr[data-id]") ?? [])];
      all[all.indexOf(row) + (e.key === "ArrowDown" ? 1 : -1)]?.focus();
    } else if (e.key === "Enter") {
      e.preventDefault();
      setEditing(row.dataset.id ?? null);
    }
  }, []);

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
          <div className="field">
            <label htmlFor={`${id}-category`}>Category</label>
            <CategoryPicker
              id={`${id}-category`}
              testId="transactions-category"
              categories={categories}
              value={category ?? ""}
              any="All categories"
              onChange={(c) => setCategory(c === "" ? null : c)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-month`}>Month</label>
            <input
              id={`${id}-month`}
              type="month"
              data-testid="transactions-month"
              value={month ?? ""}
              aria-describedby={`${id}-month-name`}
              onChange={(e) => setMonth(isMonth(e.target.value) ? e.target.value : null)}
            />
            <span id={`${id}-month-name`} className="visually-hidden">
              {month === null ? "All months" : monthLabel(month)}
            </span>
          </div>
        </div>
        {loadedCategories.error && <ErrorBanner error={loadedCategories.error} />}
        <p className="small" role="status" data-testid="category-status">
          {changed}
        </p>

        {rows.length > 0 ? (
          <table className="data transactions-table" data-testid="transactions-table">
              <thead>
                <tr>
                  <th scope="col" className="col-date">
                    Date
                  </th>
                  <th scope="col">Payee</th>
                  <th scope="col" className="col-category">
                    Category
                  </th>
                  <th scope="col" className="col-account">
                    Account
                  </th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody ref={table} onKeyDown={onKeyDown}>
                {rows.map((tx) => (
                  <Row
                    key={tx.id}
                    tx={tx}
                    account={names.get(tx.accountId) ?? ""}
                    categoryName={tx.category === null ? "Uncategorized" : (categoryNames.get(tx.category) ?? tx.category)}
                    categories={categories}
                    editing={editing === tx.id}
                    onEdit={setEditing}
                    onChanged={onChanged}
                  />
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

const NO_CATEGORIES: Category[] = [];

type RowProps = {
  tx: Transaction;
  account: string;
  categoryName: string;
  categories: readonly Category[];
  editing: boolean;
  onEdit: (id: string | null) => void;
  onChanged: (row: Transaction, text: string) => void;
};

/** One row; memoised, so loading a page renders only the new rows. */
const Row = memo(function Row({ tx, account, categoryName, categories, editing, onEdit, onChanged }: RowProps) {
  const [why, setWhy] = useState(false);
  return (
    <>
      <tr data-testid="transaction-row" data-id={tx.id} tabIndex={0} className={tx.pending ? "pending" : undefined}>
        <td className="col-date">
          <time dateTime={tx.postedOn}>{formatDay(tx.postedOn)}</time>
        </td>
        <td className="payee">
          <span className="seller" title={`The bank wrote: ${tx.seller}`}>
            {tx.name}
          </span>
          {tx.pending && (
            <span className="pending-badge" data-testid="pending-badge">
              Pending
            </span>
          )}
          {tx.memo && <span className="memo">{tx.memo}</span>}
        </td>
        <td className="col-category">
          <button
            type="button"
            className="text-button category-name"
            data-testid="category-button"
            aria-label={`Category: ${categoryName}. Change it`}
            aria-expanded={editing}
            onClick={() => onEdit(editing ? null : tx.id)}
          >
            {categoryName}
          </button>
          {tx.categoryLocked && (
            <span className="subtle small" title="You chose this category: nothing automatic changes it">
              {" "}
              · yours
            </span>
          )}
          <button
            type="button"
            className="text-button why"
            data-testid="category-why"
            aria-expanded={why}
            aria-label={`Why ${categoryName}?`}
            onClick={() => setWhy(!why)}
          >
            why?
          </button>
          {why && (
            <span className="why-text small muted" role="note">
              <span data-testid="category-reason">{whyText(tx)}</span>
              <span className="descriptor" data-testid="descriptor">
                The bank wrote: <span className="mono">{tx.seller}</span>
              </span>
            </span>
          )}
        </td>
        <td className="col-account subtle">{account}</td>
        <td className={`num amount${isNegative(tx.amount) ? " negative" : ""}`}>{formatMoney(tx.amount)}</td>
      </tr>
      {editing && (
        <tr className="category-editor-row">
          <td colSpan={5}>
            <CategoryEditor tx={tx} categories={categories} onClose={() => onEdit(null)} onChanged={onChanged} />
          </td>
        </tr>
      )}
    </>
  );
});

function CategoryEditor({
  tx,
  categories,
  onClose,
  onChanged,
}: {
  tx: Transaction;
  categories: readonly Category[];
  onClose: () => void;
  onChanged: (row: Transaction, text: string) => void;
}) {
  const id = useId();
  const [category, setCategory] = useState(tx.category ?? "UNCATEGORIZED");
  const [fromNowOn, setFromNowOn] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const picker = useRef<HTMLDivElement>(null);
  useEffect(() => picker.current?.querySelector("select")?.focus(), []);
  const seller = tx.name;

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const rule = await api.set_category(tx.id, category, fromNowOn);
      const name = categories.find((c) => c.id === category)?.name ?? category;
      onChanged(
        { ...tx, category, categorySource: "user", categoryReason: null, categoryLocked: true },
        rule === null
          ? `Filed under ${name}. Nothing automatic will change it again.`
          : `Filed under ${name}, and ${seller} from now on: the rule is on the Rules screen, where it can also change past transactions.`,
      );
      onClose();
    } catch (e) {
      setError(api.toIpcError(e));
      setBusy(false);
    }
  };

  return (
    <form
      className="category-editor"
      data-testid="category-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <div className="field" ref={picker}>
        <label htmlFor={`${id}-category`}>Category for {seller}</label>
        <CategoryPicker id={`${id}-category`} testId="category-select" categories={categories} value={category} onChange={setCategory} />
      </div>
      <label className="check">
        <input type="checkbox" data-testid="category-from-now-on" checked={fromNowOn} onChange={(e) => setFromNowOn(e.target.checked)} />
        Do the same for {seller} from now on
      </label>
      {error && <ErrorBanner error={error} />}
      <div className="actions">
        <button type="submit" className="primary" data-testid="category-save" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
