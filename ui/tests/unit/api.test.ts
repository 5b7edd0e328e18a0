import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import {
  connect_demo,
  create_vault,
  list_accounts,
  list_connections,
  list_transactions,
  lock_vault,
  open_vault,
  refresh_all,
  toIpcError,
  unlock_vault,
  vault_status,
} from "../../src/api";
import type { Progress } from "../../src/bindings/Progress";

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
            limit: 200,
            before: { postedOn: "2025-06-01", id: "t9" },
          },
        },
      ],
      ["list_transactions", { query: { since: null, until: null, account: null, search: null, limit: null, before: null } }],
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
