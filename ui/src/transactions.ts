// Paging through transactions, newest first, one page at a time with the
// shell's keyset cursor: the next page is everything strictly before the last
// row loaded (by posted date, then id), so pages never overlap or skip rows,
// and any page is as fast as the first at a million rows. Only pages the user
// scrolled to are loaded. The screen renders only the rows near the viewport
// (screens/Transactions.tsx virtualizes the list) and asks for the next page as
// the end of what is loaded scrolls near; loadMore asks once per cursor.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import * as api from "./api";
import type { AccountId } from "./bindings/AccountId";
import type { CategoryId } from "./bindings/CategoryId";
import type { IpcError } from "./bindings/IpcError";
import type { Money } from "./bindings/Money";
import type { Transaction } from "./bindings/Transaction";
import type { TransactionCursor } from "./bindings/TransactionCursor";
import { monthRange } from "./spending";

export const PAGE_SIZE = 200;

export type TransactionFilter = {
  search: string;
  account: AccountId | null;
  /** A category and its subcategories (as the Spending screen counts a top-level one). */
  category?: CategoryId | null;
  /** `YYYY-MM`: that month only. */
  month?: string | null;
  /** Amounts from and to, in the account's currency (money out is negative). */
  minAmount?: Money | null;
  maxAmount?: Money | null;
};

export type PagingModel = {
  /** Which filter (and data revision) the rows belong to. */
  key: string;
  rows: Transaction[];
  /** The request whose answer is awaited; any other answer is stale and dropped. */
  request: number | null;
  /** The last page came back short: there is nothing older. */
  done: boolean;
  error: IpcError | null;
};

export type PagingEvent =
  | { type: "reset"; key: string }
  | { type: "requested"; request: number }
  | { type: "page"; request: number; rows: Transaction[]; limit: number }
  | { type: "failed"; request: number; error: IpcError }
  | { type: "patched"; row: Transaction };

export function initialPaging(key: string): PagingModel {
  return { key, rows: [], request: null, done: false, error: null };
}

export function pagingReducer(model: PagingModel, event: PagingEvent): PagingModel {
  switch (event.type) {
    case "reset":
      return initialPaging(event.key);
    case "requested":
      return { ...model, request: event.request, error: null };
    case "page":
      // An answer for a filter the user has left, or a request superseded, is dropped.
      if (event.request !== model.request) return model;
      return {
        ...model,
        rows: event.rows.length === 0 ? model.rows : model.rows.concat(event.rows),
        request: null,
        done: event.rows.length < event.limit,
      };
    case "failed":
      if (event.request !== model.request) return model;
      return { ...model, request: null, error: event.error };
    case "patched":
      // One row changed in place (its category): the list keeps its place and pages.
      return { ...model, rows: model.rows.map((r) => (r.id === event.row.id ? event.row : r)) };
  }
}

export function isLoading(model: PagingModel): boolean {
  return model.request !== null;
}

/** Where the next page starts: just before the last row loaded. */
export function nextCursor(rows: readonly Transaction[]): TransactionCursor | null {
  const last = rows.at(-1);
  return last === undefined ? null : { postedOn: last.postedOn, id: last.id };
}

export function canLoadMore(model: PagingModel): boolean {
  return model.request === null && !model.done && model.error === null;
}

export function filterKey(filter: TransactionFilter, revision: number): string {
  return JSON.stringify([
    filter.search.trim(),
    filter.account,
    filter.category ?? null,
    filter.month ?? null,
    filter.minAmount ?? null,
    filter.maxAmount ?? null,
    revision,
  ]);
}

export type Paging = PagingModel & {
  loading: boolean;
  loadMore: () => void;
  /** Tries the failed page again. */
  retry: () => void;
  /** Shows a row's new state (after a change the user made) without reloading the list. */
  patch: (row: Transaction) => void;
};

export function useTransactionPages(filter: TransactionFilter, revision: number, pageSize = PAGE_SIZE): Paging {
  const key = filterKey(filter, revision);
  const [model, dispatch] = useReducer(pagingReducer, key, initialPaging);
  // The latest model, for callbacks that outlive a render (the scroll observer).
  const latest = useRef(model);
  latest.current = model;
  const requests = useRef(0);
  // The filter and cursor loadMore last asked for: it never asks for the same page twice
  // (the list asks on every render near the end). Only retry asks again, after a failure.
  const asked = useRef<string | null>(null);
  const search = filter.search.trim();
  const { account } = filter;
  const category = filter.category ?? null;
  const month = filter.month ?? null;
  // By value: a new object with the same amount is the same filter.
  const min = filter.minAmount ?? null;
  const max = filter.maxAmount ?? null;
  const minKey = min === null ? null : `${min.amount} ${min.currency}`;
  const maxKey = max === null ? null : `${max.amount} ${max.currency}`;
  const minAmount = useMemo(() => min, [minKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const maxAmount = useMemo(() => max, [maxKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const fetchPage = useCallback(
    async (before: TransactionCursor | null) => {
      const request = ++requests.current;
      dispatch({ type: "requested", request });
      // So a second call before the next render sees this one in flight.
      latest.current = { ...latest.current, request, error: null };
      try {
        const rows = await api.list_transactions({
          search: search === "" ? null : search,
          account,
          ...(category === null ? {} : { category, subcategories: true }),
          ...(month === null ? {} : monthRange(month)),
          ...(minAmount === null ? {} : { minAmount }),
          ...(maxAmount === null ? {} : { maxAmount }),
          limit: pageSize,
          before,
        });
        dispatch({ type: "page", request, rows, limit: pageSize });
      } catch (rejection) {
        dispatch({ type: "failed", request, error: api.toIpcError(rejection) });
      }
    },
    [search, account, category, month, minAmount, maxAmount, pageSize],
  );

  // A new filter or new data: start over from the newest row.
  useEffect(() => {
    dispatch({ type: "reset", key });
    latest.current = initialPaging(key);
    asked.current = null;
    void fetchPage(null);
  }, [key, fetchPage]);

  const loadMore = useCallback(() => {
    const current = latest.current;
    if (current.key !== key || !canLoadMore(current)) return;
    const before = nextCursor(current.rows);
    const page = JSON.stringify([key, before]);
    if (asked.current === page) return;
    asked.current = page;
    void fetchPage(before);
  }, [key, fetchPage]);

  const retry = useCallback(() => {
    const current = latest.current;
    if (current.key === key && current.request === null) void fetchPage(nextCursor(current.rows));
  }, [key, fetchPage]);

  const patch = useCallback((row: Transaction) => dispatch({ type: "patched", row }), []);

  return { ...model, loading: isLoading(model), loadMore, retry, patch };
}

/** `value`, once it has stopped changing for `delayMs`. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
