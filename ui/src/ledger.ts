// Accounts, connections and refreshes: what the Overview, Accounts and
// Transactions screens share. Like vault.ts, the transitions are a plain
// reducer (tested without React) and `useLedger` wires them to the commands.
import { useCallback, useEffect, useReducer, useRef } from "react";
import * as api from "./api";
import type { AccountSummary } from "./bindings/AccountSummary";
import type { Connection } from "./bindings/Connection";
import type { IpcError } from "./bindings/IpcError";
import type { OfxBank } from "./bindings/OfxBank";
import type { Progress } from "./bindings/Progress";
import type { RefreshReport } from "./bindings/RefreshReport";

export type RefreshState = {
  running: boolean;
  /** This refresh fills a new vault with the demo bank. */
  firstRun: boolean;
  /** The last step the shell reported; null until the first one. */
  progress: Progress | null;
  /** The outcome of the last refresh that finished. */
  report: RefreshReport | null;
  /** Why the last refresh failed as a whole (its outcomes carry per-bank errors). */
  error: IpcError | null;
};

export type LedgerModel = {
  /** null until loaded (and while the vault is locked). */
  accounts: AccountSummary[] | null;
  connections: Connection[] | null;
  loadError: IpcError | null;
  refresh: RefreshState;
  /** Bumped whenever transactions may have changed, so lists start over. */
  revision: number;
};

export type LedgerEvent =
  | { type: "loaded"; accounts: AccountSummary[]; connections: Connection[] }
  | { type: "load-failed"; error: IpcError }
  | { type: "refresh-started"; firstRun: boolean }
  | { type: "progress"; progress: Progress }
  | { type: "refresh-finished"; report: RefreshReport }
  | { type: "refresh-failed"; error: IpcError }
  | { type: "cleared" };

const idleRefresh: RefreshState = { running: false, firstRun: false, progress: null, report: null, error: null };

export const initialLedgerModel: LedgerModel = {
  accounts: null,
  connections: null,
  loadError: null,
  refresh: idleRefresh,
  revision: 0,
};

export function ledgerReducer(model: LedgerModel, event: LedgerEvent): LedgerModel {
  switch (event.type) {
    case "loaded":
      return { ...model, accounts: event.accounts, connections: event.connections, loadError: null };
    case "load-failed":
      return { ...model, loadError: event.error };
    case "refresh-started":
      return { ...model, refresh: { ...idleRefresh, running: true, firstRun: event.firstRun } };
    case "progress":
      // A late step after the end changes nothing.
      if (!model.refresh.running) return model;
      return { ...model, refresh: { ...model.refresh, progress: event.progress } };
    case "refresh-finished":
      return {
        ...model,
        refresh: { ...model.refresh, running: false, report: event.report, error: null },
        revision: model.revision + 1,
      };
    case "refresh-failed":
      return {
        ...model,
        refresh: { ...model.refresh, running: false, report: null, error: event.error },
        revision: model.revision + 1,
      };
    case "cleared":
      return { ...initialLedgerModel, revision: model.revision + 1 };
  }
}

/**
 * A first run: the vault holds no connection and no account, so the demo bank
 * is linked and refreshed, and the app shows realistic data with no bank at all.
 */
export function isFirstRun(connections: Connection[], accounts: AccountSummary[]): boolean {
  return connections.length === 0 && accounts.length === 0;
}

export function hasDemo(connections: Connection[] | null): boolean {
  return connections?.some((c) => c.provider === "demo") ?? false;
}

/** An account of the user's own: no bank links it (made for a bank's files, or kept from a bank). */
export function isOwnAccount(account: AccountSummary): boolean {
  return account.connection === null;
}

/** How many accounts a connection holds: those that name it. */
export function accountCountOf(connection: Connection, accounts: AccountSummary[]): number {
  return accounts.filter((a) => a.connection === connection.id).length;
}

/** "Demo Bank: fetching…", "Demo Bank: saving 242 transactions". */
export function progressText(progress: Progress | null, rows: (n: number) => string): string {
  if (progress === null) return "Starting…";
  switch (progress.phase) {
    case "fetching":
      return `${progress.connection}: fetching…`;
    case "saving":
      return `${progress.connection}: saving ${rows(progress.fetched)} transaction${progress.fetched === 1 ? "" : "s"}`;
    case "done":
      return `${progress.connection}: done`;
    case "failed":
      return `${progress.connection}: failed`;
  }
}

/** "3 of 6 accounts done", once the refresh knows its accounts; empty before. */
export function accountsText(progress: Progress | null): string {
  if (progress === null || progress.accountsTotal === 0) return "";
  const { accountsDone, accountsTotal } = progress;
  return `${accountsDone} of ${accountsTotal} account${accountsTotal === 1 ? "" : "s"} done`;
}

export type LedgerActions = {
  /** Refreshes every connection now; does nothing while a refresh runs. */
  refresh: () => Promise<void>;
  /** Links the demo bank and refreshes it. */
  linkDemo: () => Promise<void>;
  /** Links a SimpleFIN Bridge connection from its setup token and refreshes. */
  linkSimplefin: (setupToken: string) => Promise<void>;
  /** Links a bank of the directory over OFX Direct Connect with the user's login there, and refreshes. */
  linkOfx: (bank: OfxBank, user: string, password: string) => Promise<void>;
  /** Links a bank at an OFX address the user typed (confirmed in a system dialog), and refreshes. */
  linkOfxCustom: (bank: api.CustomOfxBank, user: string, password: string) => Promise<void>;
  /** Reads the accounts and connections again (after an import). */
  reload: () => Promise<void>;
};

export function useLedger(unlocked: boolean): [LedgerModel, LedgerActions] {
  const [model, dispatch] = useReducer(ledgerReducer, initialLedgerModel);
  const running = useRef(false);
  // Once per app session: a failed demo link is not retried behind the user's back.
  const firstRunChecked = useRef(false);
  // Bumped when the vault locks or the app unmounts: answers to older calls are dropped.
  const generation = useRef(0);

  const load = useCallback(async (): Promise<{ accounts: AccountSummary[]; connections: Connection[] } | null> => {
    const mine = generation.current;
    try {
      const [connections, accounts] = await Promise.all([api.list_connections(), api.list_accounts()]);
      if (mine !== generation.current) return null;
      dispatch({ type: "loaded", accounts, connections });
      return { accounts, connections };
    } catch (rejection) {
      if (mine === generation.current) dispatch({ type: "load-failed", error: api.toIpcError(rejection) });
      return null;
    }
  }, []);

  const runRefresh = useCallback(
    async (firstRun: boolean, before?: () => Promise<unknown>) => {
      if (running.current) return;
      running.current = true;
      const mine = generation.current;
      // After the vault locked (or the app went away) the answer has nowhere to go.
      const current = (event: LedgerEvent) => {
        if (mine === generation.current) dispatch(event);
      };
      current({ type: "refresh-started", firstRun });
      try {
        await before?.();
        const report = await api.refresh_all((progress) => current({ type: "progress", progress }));
        current({ type: "refresh-finished", report });
      } catch (rejection) {
        current({ type: "refresh-failed", error: api.toIpcError(rejection) });
      } finally {
        running.current = false;
      }
      if (mine === generation.current) await load();
    },
    [load],
  );

  const refresh = useCallback(() => runRefresh(false), [runRefresh]);
  const linkDemo = useCallback(() => runRefresh(true, api.connect_demo), [runRefresh]);
  const linkSimplefin = useCallback(
    (setupToken: string) => runRefresh(false, () => api.connect_simplefin(setupToken)),
    [runRefresh],
  );
  const linkOfx = useCallback(
    (bank: OfxBank, user: string, password: string) =>
      runRefresh(false, () => api.connect_ofx(bank.name, user, password)),
    [runRefresh],
  );
  const linkOfxCustom = useCallback(
    (bank: api.CustomOfxBank, user: string, password: string) =>
      runRefresh(false, () => api.connect_ofx_custom(bank, user, password)),
    [runRefresh],
  );
  const reload = useCallback(async () => {
    await load();
  }, [load]);

  useEffect(() => {
    generation.current += 1;
    if (!unlocked) {
      dispatch({ type: "cleared" });
      return;
    }
    void (async () => {
      const lists = await load();
      if (lists === null || firstRunChecked.current) return;
      firstRunChecked.current = true;
      if (isFirstRun(lists.connections, lists.accounts)) await linkDemo();
    })();
    return () => {
      generation.current += 1;
    };
  }, [unlocked, load, linkDemo]);

  return [model, { refresh, linkDemo, linkSimplefin, linkOfx, linkOfxCustom, reload }];
}
