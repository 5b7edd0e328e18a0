import { mockIPC } from "@tauri-apps/api/mocks";
import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Transaction } from "../../src/bindings/Transaction";
import {
  canLoadMore,
  filterKey,
  initialPaging,
  nextCursor,
  pagingReducer,
  useDebounced,
  useTransactionPages,
  type TransactionFilter,
} from "../../src/transactions";
import { createFakeVault } from "../fake-vault";

const tx = (id: string, postedOn: string): Transaction => ({
  id,
  accountId: "a",
  postedOn,
  amount: { amount: "-1.00", currency: "USD" },
  seller: "Shop",
  memo: null,
  pending: false,
  category: null,
  categorySource: null,
  categoryReason: null,
  categoryLocked: false,
  payee: null,
  name: "Shop",
  note: null,
  parts: [],
});

describe("paging transitions", () => {
  const page1 = [tx("b", "2025-06-02"), tx("a", "2025-06-02")];
  const page2 = [tx("z", "2025-06-01")];

  it("appends pages in order and stops after a short page", () => {
    let m = initialPaging("k");
    expect(canLoadMore(m)).toBe(true);
    m = pagingReducer(m, { type: "requested", request: 1 });
    expect(canLoadMore(m)).toBe(false);
    m = pagingReducer(m, { type: "page", request: 1, rows: page1, limit: 2 });
    expect(m.done).toBe(false);
    expect(nextCursor(m.rows)).toEqual({ postedOn: "2025-06-02", id: "a" });
    m = pagingReducer(m, { type: "requested", request: 2 });
    m = pagingReducer(m, { type: "page", request: 2, rows: page2, limit: 2 });
    expect(m.rows.map((r) => r.id)).toEqual(["b", "a", "z"]);
    expect(m.done).toBe(true);
    expect(canLoadMore(m)).toBe(false);
  });

  it("drops an answer to a superseded request (a filter the user has left)", () => {
    let m = pagingReducer(initialPaging("old"), { type: "requested", request: 1 });
    m = pagingReducer(m, { type: "reset", key: "new" });
    m = pagingReducer(m, { type: "requested", request: 2 });
    const stale = pagingReducer(m, { type: "page", request: 1, rows: page1, limit: 2 });
    expect(stale).toBe(m);
    const fresh = pagingReducer(m, { type: "page", request: 2, rows: page2, limit: 2 });
    expect(fresh.rows).toEqual(page2);
  });

  it("keeps the rows on a failed page and can try again", () => {
    let m = pagingReducer(initialPaging("k"), { type: "requested", request: 1 });
    m = pagingReducer(m, { type: "page", request: 1, rows: page1, limit: 2 });
    m = pagingReducer(m, { type: "requested", request: 2 });
    m = pagingReducer(m, { type: "failed", request: 2, error: { kind: "Storage", message: "disk" } });
    expect(m.rows).toEqual(page1);
    expect(m.error?.kind).toBe("Storage");
    expect(canLoadMore(m)).toBe(false);
    m = pagingReducer(m, { type: "requested", request: 3 });
    expect(m.error).toBeNull();
  });

  it("starts with no cursor and keys filters apart", () => {
    expect(nextCursor([])).toBeNull();
    expect(filterKey({ search: " tea ", account: null }, 0)).toBe(filterKey({ search: "tea", account: null }, 0));
    expect(filterKey({ search: "tea", account: null }, 0)).not.toBe(filterKey({ search: "tea", account: null }, 1));
    expect(filterKey({ search: "", account: "a" }, 0)).not.toBe(filterKey({ search: "", account: null }, 0));
  });
});

describe("useTransactionPages against the fake shell", () => {
  function setup(rows: number) {
    const vault = createFakeVault({ vault: "keychain", linked: true, demoTransactions: rows });
    vault.handle("open_vault", undefined);
    mockIPC((command, args) => vault.handle(command, args));
    return vault;
  }

  it("pages through every row by the cursor, without duplicates or gaps", async () => {
    const vault = setup(1_000);
    const { result } = renderHook(() => useTransactionPages({ search: "", account: null }, 0, 300));
    await waitFor(() => expect(result.current.rows).toHaveLength(300));
    for (const expected of [600, 900, 1_000]) {
      act(() => {
        result.current.loadMore();
        result.current.loadMore(); // a second call while one is in flight does nothing
      });
      await waitFor(() => expect(result.current.rows).toHaveLength(expected));
    }
    expect(result.current.done).toBe(true);
    expect(result.current.rows.map((r) => r.id)).toEqual(vault.transactions().map((r) => r.id));
    expect(vault.queries).toHaveLength(4);
    expect(vault.queries[0]?.before).toBeNull();
    expect(vault.queries[1]?.before).toEqual(nextCursor(result.current.rows.slice(0, 300)));
  });

  it("asks for each page once: after a failure only retry asks again, and a filter left and come back pages anew", async () => {
    const vault = setup(600);
    const befores: Array<string | null> = [];
    let failNext = true;
    mockIPC((command, args) => {
      if (command === "list_transactions") {
        const { before } = (args as { query: { before: { id: string } | null } }).query;
        befores.push(before?.id ?? null);
        if (before !== null && failNext) {
          failNext = false;
          throw { kind: "Storage", message: "disk" };
        }
      }
      return vault.handle(command, args);
    });
    const { result, rerender } = renderHook((filter: TransactionFilter) => useTransactionPages(filter, 0), {
      initialProps: { search: "", account: null },
    });
    await waitFor(() => expect(result.current.rows).toHaveLength(200));
    const cursor = result.current.rows[199]!.id;
    act(() => result.current.loadMore());
    await waitFor(() => expect(result.current.error?.kind).toBe("Storage"));
    act(() => result.current.loadMore());
    expect(befores).toEqual([null, cursor]);
    act(() => result.current.retry());
    await waitFor(() => expect(result.current.rows).toHaveLength(400));
    expect(befores).toEqual([null, cursor, cursor]);

    rerender({ search: "café", account: null });
    await waitFor(() => expect(result.current.rows.length).toBeGreaterThan(0));
    rerender({ search: "", account: null });
    await waitFor(() => expect(result.current.rows).toHaveLength(200));
    act(() => {
      result.current.loadMore();
      result.current.loadMore();
    });
    await waitFor(() => expect(result.current.rows).toHaveLength(400));
    expect(befores.slice(3)).toEqual([null, null, cursor]);
    expect(result.current.rows.map((r) => r.id)).toEqual(vault.transactions().slice(0, 400).map((r) => r.id));
  });

  it("a new filter starts over from the newest row", async () => {
    const vault = setup(600);
    const { result, rerender } = renderHook((filter: TransactionFilter) => useTransactionPages(filter, 0), {
      initialProps: { search: "", account: null },
    });
    await waitFor(() => expect(result.current.rows).toHaveLength(200));
    rerender({ search: "café", account: null });
    await waitFor(() => expect(result.current.rows.length).toBeGreaterThan(0));
    expect(result.current.rows.every((r) => r.seller.toLowerCase().includes("café"))).toBe(true);
    expect(vault.queries.at(-1)).toMatchObject({ search: "café", before: null, limit: 200 });
  });

  it("debounces a value", async () => {
    const { result, rerender } = renderHook(({ v }) => useDebounced(v, 30), { initialProps: { v: "a" } });
    rerender({ v: "ab" });
    rerender({ v: "abc" });
    expect(result.current).toBe("a");
    await waitFor(() => expect(result.current).toBe("abc"));
  });
});
