import {
  defaultRangeExtractor,
  observeElementRect,
  useVirtualizer,
  type Range,
  type Rect,
} from "@tanstack/react-virtual";
import {
  memo,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type ReactNode,
} from "react";
import * as api from "../api";
import { ErrorBanner } from "../ErrorBanner";
import type { AccountSummary } from "../bindings/AccountSummary";
import type { Category } from "../bindings/Category";
import type { IpcError } from "../bindings/IpcError";
import type { Money } from "../bindings/Money";
import type { Transaction } from "../bindings/Transaction";
import { CategoryPicker } from "../CategoryPicker";
import { whyText } from "../categoryText";
import { PayeeEditor, SplitEditor } from "./TransactionDetails";
import { hasDemo, type LedgerModel } from "../ledger";
import { DemoNote, NeedsUnlock } from "../LedgerParts";
import { formatCount } from "../ledgerText";
import { formatMoney, isNegative } from "../money";
import { screenHref } from "../navigation";
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
  const [minInput, setMinInput] = useState("");
  const [maxInput, setMaxInput] = useState("");
  const search = useDebounced(searchInput, SEARCH_DELAY_MS);
  const accounts = ledger.accounts ?? [];
  // The bounds are in the chosen account's currency, else the first account's.
  const currency = accounts.find((a) => a.id === account)?.currency ?? accounts[0]?.currency ?? "USD";
  // What is typed is checked at once; the list follows once typing stops.
  const min = { ...amountBound(useDebounced(minInput, SEARCH_DELAY_MS), currency), invalid: amountBound(minInput, currency).invalid };
  const max = { ...amountBound(useDebounced(maxInput, SEARCH_DELAY_MS), currency), invalid: amountBound(maxInput, currency).invalid };
  const paging = useTransactionPages(
    { search, account, category, month, minAmount: min.bound, maxAmount: max.bound },
    ledger.revision,
  );
  const { rows, loading, done, error, loadMore, patch } = paging;
  const names = useMemo(() => new Map(accounts.map((a: AccountSummary) => [a.id, a.name])), [accounts]);
  const loadedCategories = useLoad(() => api.list_categories(), []);
  const categories = loadedCategories.data ?? NO_CATEGORIES;
  const categoryNames = useMemo(() => new Map(categories.map((c) => [c.id, c.name])), [categories]);
  const categoryKinds = useMemo(() => new Map(categories.map((c) => [c.id, c.kind])), [categories]);
  const more = canLoadMore(paging);
  const filtered =
    search.trim() !== "" || account !== null || category !== null || month !== null || min.bound !== null || max.bound !== null;
  const [editing, setEditing] = useState<Pin | null>(null);
  const [focused, setFocused] = useState<Pin | null>(null);
  const [whys, setWhys] = useState<ReadonlySet<string>>(NO_WHYS);
  const [changed, setChanged] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const table = useRef<HTMLTableElement>(null);
  const head = useRef<HTMLTableSectionElement>(null);
  const [headHeight, setHeadHeight] = useState(0);
  // The row to focus once it is rendered (after the arrows moved past the rendered ones).
  const focusNext = useRef<string | null>(null);
  const onChanged = useCallback(
    (row: Transaction, text: string) => {
      patch(row);
      setChanged(text);
    },
    [patch],
  );
  const onWhy = useCallback(
    (txId: string) =>
      setWhys((open) => {
        const next = new Set(open);
        if (!next.delete(txId)) next.add(txId);
        return next;
      }),
    [],
  );

  // Only the rows near the viewport are in the DOM. The row being edited and the
  // focused one stay rendered wherever the list scrolls, so neither the editor nor
  // the keyboard's place vanishes.
  const editIndex = pinIndex(editing, rows);
  const focusIndex = pinIndex(focused, rows);
  const rangeExtractor = useCallback(
    (range: Range) => withPinned(defaultRangeExtractor(range), range.count, editIndex, focusIndex),
    [editIndex, focusIndex],
  );
  const getItemKey = useCallback((index: number) => rows[index]?.id ?? index, [rows]);
  const virtualizer = useVirtualizer<HTMLDivElement, HTMLTableSectionElement>({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: estimateRow,
    getItemKey,
    overscan: OVERSCAN,
    rangeExtractor,
    // The header sits above the rows inside the scroller, sticky over them.
    scrollMargin: headHeight,
    scrollPaddingStart: headHeight,
    initialRect: NO_LAYOUT_RECT,
    observeElementRect: observeRect,
    measureElement: measureRow,
  });
  const items = virtualizer.getVirtualItems();
  // The last row rendered around the viewport (not counting a pinned one further down).
  const lastAround = Math.min((virtualizer.range?.endIndex ?? -1) + OVERSCAN, rows.length - 1);

  // The header's height, which the rows start below (it changes with the font size).
  const shown = rows.length > 0;
  useLayoutEffect(() => {
    const element = head.current;
    if (element === null) return;
    const update = () => setHeadHeight(element.offsetHeight);
    update();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  }, [shown]);

  // The next page, once the rendered rows come within LOAD_AHEAD rows of the end of
  // what is loaded. loadMore asks for each cursor once, however often this runs.
  useEffect(() => {
    if (more && rows.length > 0 && lastAround >= rows.length - 1 - LOAD_AHEAD) loadMore();
  }, [more, loadMore, lastAround, rows.length]);

  // The row the arrows moved to is rendered now (it is pinned): focus it, where
  // scrollToIndex brought it.
  useLayoutEffect(() => {
    const target = focusNext.current;
    if (target === null) return;
    const row = [...(table.current?.querySelectorAll<HTMLTableRowElement>("tr[data-id]") ?? [])].find((r) => r.dataset.id === target);
    if (row !== undefined) {
      focusNext.current = null;
      row.focus({ preventScroll: true });
    }
  });

  const moveTo = useCallback(
    (index: number) => {
      const tx = rows[index];
      if (tx === undefined) return;
      focusNext.current = tx.id;
      setFocused({ id: tx.id, index });
      virtualizer.scrollToIndex(index, { align: "auto" });
    },
    [rows, virtualizer],
  );

  // Arrows move between rows, Enter opens the row's category, Escape closes it.
  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLTableElement>) => {
      const row = (e.target as HTMLElement).closest<HTMLTableRowElement>("tr[data-id]");
      if (row === null || e.target !== row) return;
      const index = rowIndex(row);
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        moveTo(index + (e.key === "ArrowDown" ? 1 : -1));
      } else if (e.key === "Enter") {
        e.preventDefault();
        const txId = row.dataset.id;
        if (txId !== undefined) setEditing({ id: txId, index });
      }
    },
    [moveTo],
  );

  // Which row holds the focus (the row itself, or a button in it), so it stays rendered.
  const onFocus = useCallback((e: FocusEvent<HTMLTableElement>) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>("tbody[data-index]")?.querySelector<HTMLElement>("tr[data-id]");
    const txId = row?.dataset.id;
    if (row == null || txId === undefined) return;
    const index = rowIndex(row);
    setFocused((pin) => (pin?.id === txId && pin.index === index ? pin : { id: txId, index }));
  }, []);
  const onBlur = useCallback((e: FocusEvent<HTMLTableElement>) => {
    // Focus that went elsewhere on the page unpins the row; focus lost with the window does not.
    if (e.relatedTarget instanceof Node && !e.currentTarget.contains(e.relatedTarget)) setFocused(null);
  }, []);

  const onEdit = useCallback((pin: Pin | null) => setEditing(pin), []);

  // Spacer rows stand in for the rows above, between (when a pinned row is far
  // away) and below the rendered ones, so the scrollbar spans every loaded row.
  const body: ReactNode[] = [];
  let reached = headHeight;
  for (const item of items) {
    const tx = rows[item.index];
    if (tx === undefined) continue;
    if (item.start > reached) body.push(<Spacer key={body.length === 0 ? "above" : `gap-${tx.id}`} height={item.start - reached} />);
    body.push(
      <Row
        key={tx.id}
        index={item.index}
        measure={virtualizer.measureElement}
        tx={tx}
        account={names.get(tx.accountId) ?? ""}
        categoryName={tx.category === null ? "Uncategorized" : (categoryNames.get(tx.category) ?? tx.category)}
        transfer={tx.category !== null && categoryKinds.get(tx.category) === "transfer"}
        categories={categories}
        editing={editIndex === item.index}
        why={whys.has(tx.id)}
        onEdit={onEdit}
        onWhy={onWhy}
        onChanged={onChanged}
      />,
    );
    reached = item.end;
  }
  const end = virtualizer.getTotalSize() + headHeight;
  if (end > reached) body.push(<Spacer key="below" height={end - reached} />);

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
          <div className="field amount-range">
            <label htmlFor={`${id}-min`}>Amount from ({currency})</label>
            <input
              id={`${id}-min`}
              data-testid="transactions-min"
              inputMode="decimal"
              autoComplete="off"
              placeholder="-50.00"
              value={minInput}
              aria-invalid={min.invalid}
              aria-describedby={`${id}-amount-hint`}
              onChange={(e) => setMinInput(e.target.value)}
            />
          </div>
          <div className="field amount-range">
            <label htmlFor={`${id}-max`}>to</label>
            <input
              id={`${id}-max`}
              data-testid="transactions-max"
              inputMode="decimal"
              autoComplete="off"
              placeholder="-5.00"
              value={maxInput}
              aria-invalid={max.invalid}
              aria-describedby={`${id}-amount-hint`}
              onChange={(e) => setMaxInput(e.target.value)}
            />
          </div>
        </div>
        <p id={`${id}-amount-hint`} className={min.invalid || max.invalid ? "field-error" : "field-hint"}>
          {min.invalid || max.invalid
            ? "Type an amount such as -50 or 12.50; money out is negative."
            : "Money out is negative: purchases from $5 to $50 are -50 to -5."}
        </p>
        {loadedCategories.error && <ErrorBanner error={loadedCategories.error} />}
        <p className="small" role="status" data-testid="category-status">
          {changed}
        </p>

        {rows.length > 0 ? (
          <div className="transactions-scroll" ref={scroller} data-testid="transactions-scroll">
            <table
              ref={table}
              className="data transactions-table"
              data-testid="transactions-table"
              data-loaded={rows.length}
              aria-rowcount={done ? rows.length + 1 : -1}
              onKeyDown={onKeyDown}
              onFocus={onFocus}
              onBlur={onBlur}
            >
              <thead ref={head}>
                <tr aria-rowindex={1}>
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
              {body}
            </table>
          </div>
        ) : done && error === null ? (
          <Empty filtered={filtered} refreshing={ledger.refresh.running} accounts={ledger.accounts?.length ?? null} />
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

/** A row, by where it is in the loaded list; a pin holds it rendered while its row is at that place. */
type Pin = { id: string; index: number };

function pinIndex(pin: Pin | null, rows: readonly Transaction[]): number {
  return pin !== null && rows[pin.index]?.id === pin.id ? pin.index : -1;
}

/** The rows around the viewport, and the pinned ones wherever they are, in order. */
function withPinned(indexes: number[], count: number, ...pinned: number[]): number[] {
  const first = indexes[0] ?? Infinity;
  const last = indexes.at(-1) ?? -Infinity;
  const outside = pinned.filter((i) => i >= 0 && i < count && (i < first || i > last));
  if (outside.length === 0) return indexes;
  return [...new Set([...indexes, ...outside])].sort((a, b) => a - b);
}

function rowIndex(row: HTMLElement): number {
  return Number(row.closest<HTMLElement>("tbody[data-index]")?.dataset.index ?? -1);
}

/** Rows rendered beyond each edge of the viewport, for smooth scrolling. */
const OVERSCAN = 10;
/** The next page loads when the rendered rows come this close to the end of the loaded ones. */
const LOAD_AHEAD = 50;
/** A row of one line: 8px padding above and below a 24px line, and its 1px border. */
const ROW_HEIGHT = 41;
const estimateRow = () => ROW_HEIGHT;

// Where nothing is laid out (jsdom in the unit tests; a hidden screen), the list
// renders as if in a window this size, at the estimated row height, rather than
// as nothing (a 0px viewport) or everything (0px rows).
const NO_LAYOUT_RECT: Rect = { width: 1000, height: 800 };

const observeRect: typeof observeElementRect<HTMLDivElement> = (instance, cb) =>
  observeElementRect(instance, (rect) => cb(rect.width === 0 && rect.height === 0 ? NO_LAYOUT_RECT : rect));

// A row's height as laid out, unrounded: collapsed borders give rows half pixels, and
// rounding each would move the rows below away from where the list places them.
const measureRow = (element: HTMLTableSectionElement, entry: ResizeObserverEntry | undefined): number => {
  const size = entry?.borderBoxSize[0]?.blockSize ?? element.getBoundingClientRect().height;
  return size > 0 ? size : ROW_HEIGHT;
};

const NO_WHYS: ReadonlySet<string> = new Set();

function Spacer({ height }: { height: number }) {
  return (
    <tbody aria-hidden="true" className="tx-spacer">
      <tr>
        <td colSpan={5} style={{ height }} />
      </tr>
    </tbody>
  );
}

function Empty({ filtered, refreshing, accounts }: { filtered: boolean; refreshing: boolean; accounts: number | null }) {
  return (
    <div className="empty" data-testid="transactions-empty">
      {filtered ? (
        <p>No transactions match. Try another search or account.</p>
      ) : refreshing ? (
        <p>Fetching your transactions…</p>
      ) : (
        <>
          <p>No transactions yet.</p>
          {accounts === 0 ? (
            <p className="muted">
              They come from your accounts: <a href={screenHref("accounts")}>go to Accounts</a> to link a bank or import a
              bank's file.
            </p>
          ) : (
            <p className="muted">
              Transactions appear here after your accounts are refreshed:{" "}
              <a href={screenHref("accounts")}>go to Accounts</a> to refresh them or import a bank's file.
            </p>
          )}
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

const SIGNED_AMOUNT = /^-?\d+(\.\d{1,2})?$/;

/** What was typed as an amount bound: none when empty, `invalid` when it cannot be read exactly. */
export function amountBound(text: string, currency: string): { bound: Money | null; invalid: boolean } {
  const cleaned = text.trim().replace(/,/g, "").replace(/^(-?)[$€£]/, "$1");
  if (cleaned === "") return { bound: null, invalid: false };
  if (!SIGNED_AMOUNT.test(cleaned)) return { bound: null, invalid: true };
  return { bound: { amount: cleaned, currency }, invalid: false };
}

type RowProps = {
  tx: Transaction;
  /** Where the row is in the loaded list, for the virtualizer (`data-index`). */
  index: number;
  /** The virtualizer's measurement: rows differ in height (the why text, the editor). */
  measure: (element: HTMLTableSectionElement | null) => void;
  account: string;
  categoryName: string;
  /** A move between the user's own accounts: left out of spending. */
  transfer: boolean;
  categories: readonly Category[];
  editing: boolean;
  why: boolean;
  onEdit: (pin: Pin | null) => void;
  onWhy: (id: string) => void;
  onChanged: (row: Transaction, text: string) => void;
};

/**
 * One transaction: its row and, while its category is being changed, the editor
 * under it, in a row group of their own that the virtualizer measures as one.
 * Memoised, so scrolling and loading a page render only the rows that come into view.
 */
const Row = memo(function Row({
  tx,
  index,
  measure,
  account,
  categoryName,
  transfer,
  categories,
  editing,
  why,
  onEdit,
  onWhy,
  onChanged,
}: RowProps) {
  return (
    <tbody className="tx-item" data-index={index} ref={measure}>
      <tr
        data-testid="transaction-row"
        data-id={tx.id}
        tabIndex={0}
        aria-rowindex={index + 2}
        className={tx.pending ? "pending" : undefined}
      >
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
          {transfer && (
            <span className="pending-badge transfer-badge" data-testid="transfer-badge" title="A move between your own accounts: not counted as spending">
              Transfer
            </span>
          )}
          {tx.memo && <span className="memo">{tx.memo}</span>}
          {tx.note && (
            <span className="memo" data-testid="note">
              Note: {tx.note}
            </span>
          )}
        </td>
        <td className="col-category">
          <button
            type="button"
            className="text-button category-name"
            data-testid="category-button"
            aria-label={`Category: ${categoryName}. Change it`}
            aria-expanded={editing}
            onClick={() => onEdit(editing ? null : { id: tx.id, index })}
          >
            {categoryName}
          </button>
          {tx.parts.length > 0 && (
            <span className="split-badge" data-testid="split-badge">
              split in {tx.parts.length}
            </span>
          )}
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
            onClick={() => onWhy(tx.id)}
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
            <RowEditor tx={tx} categories={categories} onClose={() => onEdit(null)} onChanged={onChanged} />
          </td>
        </tr>
      )}
    </tbody>
  );
});

type EditorTab = "category" | "split" | "payee";

const EDITOR_TABS: Array<{ id: EditorTab; label: string }> = [
  { id: "category", label: "Category" },
  { id: "split", label: "Split" },
  { id: "payee", label: "Name and note" },
];

/** Under a row being edited: its category, a split, or the payee's name and a note. */
function RowEditor(props: {
  tx: Transaction;
  categories: readonly Category[];
  onClose: () => void;
  onChanged: (row: Transaction, text: string) => void;
}) {
  const [tab, setTab] = useState<EditorTab>(props.tx.parts.length > 0 ? "split" : "category");
  return (
    <div className="row-editor">
      <div className="editor-tabs" role="tablist" aria-label="What to change">
        {EDITOR_TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            className="secondary"
            data-testid={`editor-tab-${t.id}`}
            aria-selected={tab === t.id}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === "category" && <CategoryEditor {...props} />}
        {tab === "split" && <SplitEditor {...props} />}
        {tab === "payee" && <PayeeEditor tx={props.tx} onClose={props.onClose} onChanged={props.onChanged} />}
      </div>
    </div>
  );
}

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
