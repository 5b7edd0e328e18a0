// Where the money went: a month's spending by category (chart and table, each
// category opening its transactions), the trend over several months, income
// against spending, and the sellers that took the most.
import { lazy, Suspense, useId, useMemo, useState } from "react";
import * as api from "../api";
import type { Category } from "../bindings/Category";
import type { MonthSpending } from "../bindings/MonthSpending";
import { ErrorBanner } from "../ErrorBanner";
import type { LedgerModel } from "../ledger";
import { NeedsUnlock } from "../LedgerParts";
import { formatCount } from "../ledgerText";
import { formatMoney } from "../money";
import { forDrawing, fromUnits, money } from "../moneyMath";
import { MonthPicker } from "../MonthPicker";
import { screenHref } from "../navigation";
import { mainCurrency, monthLabel, monthRange, rollUp, sellerName, totalsOf, trendSeries, type CategoryTotal } from "../spending";
import { useLoad } from "../useLoad";

type Props = { unlocked: boolean; ledger: LedgerModel };

// Chart.js loads with the first chart, not with the app: the tables need none of it.
const LazyBarChart = lazy(() => import("../Chart").then((m) => ({ default: m.BarChart })));
function BarChart(props: Parameters<typeof LazyBarChart>[0]) {
  return (
    <Suspense fallback={<div className="chart" aria-hidden="true" />}>
      <LazyBarChart {...props} />
    </Suspense>
  );
}

export const TREND_CHOICES = [3, 6, 12] as const;

export function Spending({ unlocked, ledger }: Props) {
  if (!unlocked) return <NeedsUnlock what="your spending" />;
  return <SpendingScreen revision={ledger.revision} />;
}

function SpendingScreen({ revision }: { revision: number }) {
  // The engine's own month first: "this month" is the vault's, not the window's clock.
  const [month, setMonth] = useState<string | null>(null);
  const categories = useLoad(() => api.list_categories(), []);
  const current = useLoad(() => api.spending(month), [month, revision]);
  const [latest, setLatest] = useState<string | null>(null);
  if (month === null && current.data !== null && latest === null) setLatest(current.data.month);
  const shown = month ?? current.data?.month ?? null;

  const error = categories.error ?? current.error;
  return (
    <>
      {shown !== null && <MonthPicker month={shown} latest={latest ?? undefined} onChange={setMonth} />}
      {error && <ErrorBanner error={error} />}
      {current.data === null || categories.data === null ? (
        !error && <p className="muted" role="status">Loading…</p>
      ) : (
        <>
          <MonthSummary month={current.data} categories={categories.data} />
          <Trend until={current.data.month} categories={categories.data} revision={revision} />
          <TopSellers month={current.data.month} revision={revision} />
        </>
      )}
    </>
  );
}

function MonthSummary({ month, categories }: { month: MonthSpending; categories: Category[] }) {
  const id = useId();
  const currency = mainCurrency(month);
  const [open, setOpen] = useState<CategoryTotal | null>(null);
  const groups = useMemo(() => (currency === null ? [] : rollUp(month, categories, currency)), [month, categories, currency]);
  const chartGroups = groups.filter((g) => g.spent > 0n);
  const labels = useMemo(() => chartGroups.map((g) => g.name), [chartGroups]);
  const series = useMemo(() => [{ label: "Spent", values: chartGroups.map((g) => forDrawing(g.spent)) }], [chartGroups]);
  const currencies = [...new Set([...month.spent, ...month.income].map((m) => m.currency))];

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{monthLabel(month.month)}</h2>
      {currencies.length === 0 ? (
        <div className="empty" data-testid="spending-empty">
          <p>Nothing was spent or earned in {monthLabel(month.month)}.</p>
          <p className="muted">
            Spending shows here once its transactions are in Spearmint: refresh your accounts or import a bank's file on{" "}
            <a href={screenHref("accounts")}>Accounts</a>, or choose another month above.
          </p>
        </div>
      ) : (
        <dl className="totals" data-testid="spending-totals">
          {currencies.map((c) => {
            const { spent, income } = totalsOf(month, c);
            return (
              <div key={c} className="total-row">
                <div>
                  <dt>Spent</dt>
                  <dd className="amount" data-testid="spending-total">
                    {formatMoney(money(spent, c))}
                  </dd>
                </div>
                <div>
                  <dt>Income</dt>
                  <dd className="amount" data-testid="spending-income">
                    {formatMoney(money(income, c))}
                  </dd>
                </div>
                <div>
                  <dt>{income >= spent ? "Left over" : "Spent beyond income"}</dt>
                  <dd className="amount" data-testid="spending-net">
                    {formatMoney(money(income >= spent ? income - spent : spent - income, c))}
                  </dd>
                </div>
              </div>
            );
          })}
        </dl>
      )}
      {chartGroups.length > 0 && currency !== null && (
        <BarChart
          testId="spending-chart"
          layout="horizontal"
          labels={labels}
          series={series}
          tooltip={(_, i) => formatMoney(money(chartGroups[i]?.spent ?? 0n, currency))}
        />
      )}
      {groups.length > 0 && (
        <div className="table-wrap">
          <table className="spending-table" data-testid="spending-table">
            <caption className="visually-hidden">Spending by category in {monthLabel(month.month)}</caption>
            <thead>
              <tr>
                <th scope="col">Category</th>
                <th scope="col" className="amount">
                  Spent
                </th>
                <th scope="col" className="amount">
                  Transactions
                </th>
              </tr>
            </thead>
            <tbody>
              {groups.flatMap((g) => [
                <CategoryRow key={g.category} total={g} top onOpen={setOpen} />,
                ...g.children.map((c) => <CategoryRow key={c.category} total={c} top={false} onOpen={setOpen} />),
              ])}
            </tbody>
          </table>
        </div>
      )}
      {open !== null && (
        <CategoryTransactions
          key={`${month.month}:${open.category}`}
          total={open}
          top={groups.some((g) => g.category === open.category)}
          month={month.month}
          onClose={() => setOpen(null)}
        />
      )}
    </section>
  );
}

function CategoryRow({ total, top, onOpen }: { total: CategoryTotal; top: boolean; onOpen: (t: CategoryTotal) => void }) {
  return (
    <tr data-testid={`spending-row-${total.category}`} className={top ? "top" : "child"}>
      <th scope="row">
        <button type="button" className="text-button" onClick={() => onOpen(total)} aria-label={`Show the transactions in ${total.name}`}>
          {total.name}
        </button>
      </th>
      <td className="amount">{formatMoney(money(total.spent, total.currency))}</td>
      <td className="amount">{formatCount(total.transactions)}</td>
    </tr>
  );
}

const DRILL_LIMIT = 200;

function CategoryTransactions({ total, top, month, onClose }: { total: CategoryTotal; top: boolean; month: string; onClose: () => void }) {
  const rows = useLoad(
    () => api.list_transactions({ ...monthRange(month), category: total.category, subcategories: top, limit: DRILL_LIMIT }),
    [total.category, top, month],
  );
  return (
    <section className="drill" data-testid="spending-drill" aria-label={`Transactions in ${total.name}`}>
      <div className="card-head">
        <h3>
          {total.name} in {monthLabel(month)}
        </h3>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {rows.error && <ErrorBanner error={rows.error} />}
      {rows.data === null ? (
        !rows.error && (
          <p className="muted" role="status">
            Loading…
          </p>
        )
      ) : rows.data.length === 0 ? (
        <p className="muted">No transactions.</p>
      ) : (
        <table className="transactions-table">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Payee</th>
              <th scope="col" className="amount">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.data.map((t) => (
              <tr key={t.id} data-testid="drill-row">
                <td>{t.postedOn}</td>
                <td>{t.name}</td>
                <td className="amount">{formatMoney(t.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.data !== null && rows.data.length === DRILL_LIMIT && (
        <p className="muted small">The {DRILL_LIMIT} most recent are shown; the Transactions screen lists them all.</p>
      )}
    </section>
  );
}

function Trend({ until, categories, revision }: { until: string; categories: Category[]; revision: number }) {
  const id = useId();
  const [months, setMonths] = useState<number>(6);
  const trend = useLoad(() => api.spending_trend(until, months), [until, months, revision]);
  const data = trend.data;
  const currency = data === null ? null : (data.map(mainCurrency).find((c) => c !== null) ?? null);
  const series = useMemo(() => (data === null || currency === null ? [] : trendSeries(data, categories, currency)), [data, categories, currency]);
  const labels = useMemo(() => (data ?? []).map((m) => monthLabel(m.month, true)), [data]);
  const bars = useMemo(() => series.map((s) => ({ label: s.name, values: s.spent.map(forDrawing) })), [series]);

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <div className="card-head">
        <h2 id={`${id}-title`}>Trend</h2>
        <div className="field inline">
          <label htmlFor={`${id}-months`}>Months</label>
          <select id={`${id}-months`} data-testid="trend-months" value={months} onChange={(e) => setMonths(Number(e.target.value))}>
            {TREND_CHOICES.map((n) => (
              <option key={n} value={n}>
                Last {n} months
              </option>
            ))}
          </select>
        </div>
      </div>
      {trend.error && <ErrorBanner error={trend.error} />}
      {data !== null && currency !== null && (
        <>
          {series.length > 0 && (
            <BarChart
              testId="trend-chart"
              layout="stacked"
              labels={labels}
              series={bars}
              tooltip={(s, i) => formatMoney(money(series[s]?.spent[i] ?? 0n, currency))}
            />
          )}
          <div className="table-wrap">
            <table className="spending-table" data-testid="trend-table">
              <caption className="visually-hidden">Income and spending per month</caption>
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col" className="amount">
                    Income
                  </th>
                  <th scope="col" className="amount">
                    Spent
                  </th>
                  <th scope="col" className="amount">
                    Difference
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.map((m) => {
                  const { spent, income } = totalsOf(m, currency);
                  return (
                    <tr key={m.month} data-testid={`trend-row-${m.month}`}>
                      <th scope="row">{monthLabel(m.month)}</th>
                      <td className="amount">{formatMoney(money(income, currency))}</td>
                      <td className="amount">{formatMoney(money(spent, currency))}</td>
                      <td className="amount">{formatMoney({ amount: fromUnits(income - spent), currency })}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {data !== null && currency === null && <p className="muted">No spending in these months yet.</p>}
    </section>
  );
}

const TOP_SELLERS = 10;

function TopSellers({ month, revision }: { month: string; revision: number }) {
  const id = useId();
  const sellers = useLoad(() => api.top_sellers(month, TOP_SELLERS), [month, revision]);
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Top sellers</h2>
      {sellers.error && <ErrorBanner error={sellers.error} />}
      {sellers.data !== null && sellers.data.length === 0 && <p className="muted">No spending in {monthLabel(month)}.</p>}
      {sellers.data !== null && sellers.data.length > 0 && (
        <ol className="top-sellers" data-testid="top-sellers">
          {sellers.data.map((s) => (
            <li key={s.seller}>
              <span className="seller">{sellerName(s.seller)}</span>
              <span className="muted small">
                {formatCount(s.transactions)} {s.transactions === 1 ? "payment" : "payments"}
              </span>
              <span className="amount">{formatMoney(s.spent)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
