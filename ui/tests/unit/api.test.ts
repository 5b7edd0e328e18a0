import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { create_vault, lock_vault, open_vault, toIpcError, unlock_vault, vault_status } from "../../src/api";

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
