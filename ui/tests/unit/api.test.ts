import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import {
  connect_demo,
  create_vault,
  disconnect,
  list_accounts,
  list_connections,
  list_transactions,
  lock_vault,
  open_vault,
  refresh_all,
  remove_account,
  toIpcError,
  unlock_vault,
  vault_status,
} from "../../src/api";
import type { Progress } from "../../src/bindings/Progress";
import { createFakeVault } from "../fake-vault";

describe("toIpcError", () => {
  it("keeps a well-formed IpcError as it is", () => {
    expect(toIpcError({ kind: "WrongKey", message: "the passphrase does not open this vault" })).toEqual({
      kind: "WrongKey",
      message: "the passphrase does not open this vault",
    });
  });

  it("turns an unknown kind into Internal but keeps the message", () => {
    expect(toIpcError({ kind: "Quantum", message: "from a newer shell" })).toEqual({
      kind: "Internal",
      message: "from a newer shell",
    });
  });

  it("turns Tauri's bare string rejections into Internal", () => {
    expect(toIpcError("command vault_stats not found")).toEqual({
      kind: "Internal",
      message: "command vault_stats not found",
    });
  });

  it("uses an Error's message", () => {
    expect(toIpcError(new TypeError("window.__TAURI_INTERNALS__ is undefined"))).toEqual({
      kind: "Internal",
      message: "window.__TAURI_INTERNALS__ is undefined",
    });
  });

  it.each([undefined, null, 42, "", { kind: "WrongKey" }, { message: 7 }])(
    "turns the shapeless rejection %j into Internal with a message",
    (rejection) => {
      const error = toIpcError(rejection);
      expect(error.kind).toBe("Internal");
      expect(error.message).toMatch(/^unexpected error from the app: /);
    },
  );
});

describe("commands", () => {
  it("call the command of the same name with the contract's arguments", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((command, args) => {
      seen.push([command, args]);
      return { state: "unlocked" };
    });
    await vault_status();
    await open_vault();
    await create_vault("a long passphrase");
    await create_vault(null);
    await unlock_vault(null);
    await lock_vault();
    expect(seen).toEqual([
      ["vault_status", {}],
      ["open_vault", {}],
      ["create_vault", { passphrase: "a long passphrase" }],
      ["create_vault", { passphrase: null }],
      ["unlock_vault", { passphrase: null }],
      ["lock_vault", {}],
    ]);
  });

  it("reject with the shell's IpcError", async () => {
    mockIPC(() => {
      throw { kind: "KeychainUnavailable", message: "no OS keychain is reachable" };
    });
    await expect(open_vault()).rejects.toEqual({ kind: "KeychainUnavailable", message: "no OS keychain is reachable" });
  });

  it("reject with an Internal IpcError when Tauri rejects with a string", async () => {
    mockIPC(() => Promise.reject("command lock_vault not allowed by ACL"));
    await expect(lock_vault()).rejects.toEqual({ kind: "Internal", message: "command lock_vault not allowed by ACL" });
  });
});

describe("ledger commands", () => {
  it("send the contract's arguments; unset query fields go as null", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((command, args) => {
      seen.push([command, args]);
      return [];
    });
    await list_accounts();
    await list_connections();
    await connect_demo();
    await list_transactions({ search: "tea", limit: 200, before: { postedOn: "2025-06-01", id: "t9" } });
    await list_transactions();
    expect(seen).toEqual([
      ["list_accounts", {}],
      ["list_connections", {}],
      ["connect_demo", {}],
      [
        "list_transactions",
        {
          query: {
            since: null,
            until: null,
            account: null,
            search: "tea",
            category: null,
            subcategories: false,
            minAmount: null,
            maxAmount: null,
            limit: 200,
            before: { postedOn: "2025-06-01", id: "t9" },
          },
        },
      ],
      ["list_transactions", {
          query: { since: null, until: null, account: null, search: null, category: null, subcategories: false, minAmount: null, maxAmount: null, limit: null, before: null },
        }],
    ]);
  });

  it("refresh_all passes a Channel as onProgress and hears every step before it resolves", async () => {
    const report = { outcomes: [] };
    mockIPC((command, args) => {
      expect(command).toBe("refresh_all");
      // On the wire the channel is "__CHANNEL__:<callback id>".
      const wire = JSON.parse(JSON.stringify((args as { onProgress: unknown }).onProgress)) as string;
      const id = Number(/^__CHANNEL__:(\d+)$/.exec(wire)?.[1]);
      const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void } })
        .__TAURI_INTERNALS__;
      const step = (index: number, phase: Progress["phase"]) =>
        internals.runCallback(id, { index, message: {
            connection: "Demo Bank",
            phase,
            done: 0,
            total: 1,
            accountsDone: 0,
            accountsTotal: 3,
            fetched: 0,
          },
        });
      // Out of order on purpose: the Channel puts them back in order.
      step(1, "saving");
      step(0, "fetching");
      internals.runCallback(id, { index: 2, end: true });
      return report;
    });
    const phases: string[] = [];
    await expect(refresh_all((p) => phases.push(p.phase))).resolves.toEqual(report);
    expect(phases).toEqual(["fetching", "saving"]);
  });

  it("refresh_all rejects with the shell's IpcError", async () => {
    mockIPC(() => {
      throw { kind: "VaultLocked", message: "the vault is locked: unlock it first" };
    });
    await expect(refresh_all(() => {})).rejects.toEqual({ kind: "VaultLocked", message: "the vault is locked: unlock it first" });
  });
});

describe("disconnect and remove_account", () => {
  it("send the connection or account and keepTransactions, and resolve with what was removed", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((command, args) => {
      seen.push([command, args]);
      return command === "disconnect" ? { accounts: 3, transactions: 1204 } : { accounts: 1, transactions: 12 };
    });
    await expect(disconnect("conn-1", false)).resolves.toEqual({ accounts: 3, transactions: 1204 });
    await expect(disconnect("conn-1", true)).resolves.toEqual({ accounts: 3, transactions: 1204 });
    await expect(remove_account("acct-7", false)).resolves.toEqual({ accounts: 1, transactions: 12 });
    expect(seen).toEqual([
      ["disconnect", { connection: "conn-1", keepTransactions: false }],
      ["disconnect", { connection: "conn-1", keepTransactions: true }],
      ["remove_account", { account: "acct-7", keepTransactions: false }],
    ]);
  });

  it("reject with the shell's IpcError", async () => {
    mockIPC(() => {
      throw { kind: "NotFound", message: "there is no connection conn-9" };
    });
    await expect(disconnect("conn-9", true)).rejects.toEqual({ kind: "NotFound", message: "there is no connection conn-9" });
    await expect(remove_account("acct-9", false)).rejects.toEqual({ kind: "NotFound", message: "there is no connection conn-9" });
  });

  // Against the fake shell, which the screen tests use: it must answer as the engine does.
  async function linkedFake() {
    const vault = createFakeVault({ vault: "keychain", linked: true, demoTransactions: 60 });
    mockIPC((command, args) => vault.handle(command, args));
    await open_vault();
    return vault;
  }

  it("the fake keeps a disconnected bank's accounts as the user's own, with every transaction", async () => {
    const vault = await linkedFake();
    await expect(disconnect("conn-demo", true)).resolves.toEqual({ accounts: 3, transactions: 0 });
    expect(await list_connections()).toEqual([]);
    const accounts = await list_accounts();
    expect(accounts.map((a) => [a.id, a.provider, a.status])).toEqual([
      ["acc-checking", "manual", "ok"],
      ["acc-card", "manual", "ok"],
      ["acc-savings", "manual", "ok"],
    ]);
    expect(accounts.reduce((n, a) => n + a.transactions, 0)).toBe(60);
    expect(accounts.every((a) => a.balance !== null), "the balances the bank stated stay").toBe(true);
    expect(vault.transactions()).toHaveLength(60);
    await expect(disconnect("conn-demo", true)).rejects.toEqual({ kind: "NotFound", message: "there is no connection conn-demo" });
  });

  it("the fake removes a disconnected bank's accounts with their transactions", async () => {
    const vault = await linkedFake();
    await expect(disconnect("conn-demo", false)).resolves.toEqual({ accounts: 3, transactions: 60 });
    expect(await list_connections()).toEqual([]);
    expect(await list_accounts()).toEqual([]);
    expect(vault.transactions()).toHaveLength(0);
  });

  it("the fake disconnects the bank of a linked account, and removes one of the user's own only with its rows", async () => {
    const vault = await linkedFake();
    const checking = vault.transactions().filter((t) => t.accountId === "acc-checking").length;
    // A linked account: its whole bank is disconnected.
    await expect(remove_account("acc-checking", true)).resolves.toEqual({ accounts: 3, transactions: 0 });
    expect(await list_connections()).toEqual([]);
    // Now the user's own: it cannot keep its transactions.
    await expect(remove_account("acc-checking", true)).rejects.toMatchObject({
      kind: "Invalid",
      message: expect.stringContaining("not linked to a bank"),
    });
    await expect(remove_account("acc-checking", false)).resolves.toEqual({ accounts: 1, transactions: checking });
    expect((await list_accounts()).map((a) => a.id)).toEqual(["acc-card", "acc-savings"]);
    expect(vault.transactions()).toHaveLength(60 - checking);
    await expect(remove_account("acc-checking", false)).rejects.toMatchObject({ kind: "NotFound" });
  });

  it("the fake refuses them while the vault is locked, and without their arguments as Tauri does", async () => {
    const vault = createFakeVault({ vault: "keychain", linked: true });
    mockIPC((command, args) => vault.handle(command, args));
    await expect(disconnect("conn-demo", true)).rejects.toMatchObject({ kind: "VaultLocked" });
    await open_vault();
    expect(() => vault.handle("disconnect", { connection: "conn-demo" })).toThrow(/missing required key keepTransactions/);
    expect(() => vault.handle("remove_account", { keepTransactions: false })).toThrow(/missing required key account/);
  });
});
