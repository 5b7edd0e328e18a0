import { describe, expect, it } from "vitest";
import type { VaultStatus } from "../../src/bindings/VaultStatus";
import { initialVaultModel, promptFor, vaultReducer, type VaultEvent, type VaultModel } from "../../src/vault";

function status(overrides: Partial<VaultStatus>): VaultStatus {
  return {
    profile: "default",
    path: "/vault.db",
    state: "unlocked",
    encrypted: true,
    keySource: "keychain",
    keyLocation: "Secret Service",
    schemaVersion: 3,
    latestSchemaVersion: 3,
    counts: [],
    ...overrides,
  };
}

function run(...events: VaultEvent[]): VaultModel {
  return events.reduce(vaultReducer, initialVaultModel);
}

const missing = status({ state: "missing", encrypted: false, keySource: null, keyLocation: null, schemaVersion: null });
const lockedPassphrase = status({ state: "locked", keySource: "passphrase", schemaVersion: null });
const lockedKeychain = status({ state: "locked", keySource: "keychain", schemaVersion: null });

describe("vault transitions", () => {
  it("starts by opening, with nothing to ask yet", () => {
    expect(initialVaultModel.pending).toBe("open");
    expect(promptFor(initialVaultModel)).toEqual({ kind: "starting" });
  });

  it("first run: open succeeds and the vault is ready", () => {
    const model = run({ type: "started", operation: "open" }, { type: "succeeded", status: status({}) });
    expect(model).toMatchObject({ pending: null, error: null, lastFailure: null });
    expect(promptFor(model)).toEqual({ kind: "ready" });
  });

  it("no keychain on open: asks to create with a passphrase, and keeps asking while the creation runs", () => {
    const error = { kind: "KeychainUnavailable", message: "no keychain" } as const;
    const failed = run({ type: "started", operation: "open" }, { type: "failed", error, status: missing });
    expect(failed.error).toEqual(error);
    expect(promptFor(failed)).toEqual({ kind: "create", keychainUnavailable: true });

    const creating = vaultReducer(failed, { type: "started", operation: "create" });
    expect(creating.error).toBeNull();
    expect(creating.pending).toBe("create");
    expect(promptFor(creating)).toEqual({ kind: "create", keychainUnavailable: true });

    const created = vaultReducer(creating, { type: "succeeded", status: status({ keySource: "passphrase" }) });
    expect(promptFor(created)).toEqual({ kind: "ready" });
  });

  it("no keychain and no status at all still offers the passphrase", () => {
    const model = run({ type: "failed", error: { kind: "KeychainUnavailable", message: "m" }, status: null });
    expect(promptFor(model)).toEqual({ kind: "create", keychainUnavailable: true });
  });

  it("a passphrase vault stays locked after open and asks for the passphrase", () => {
    const model = run({ type: "succeeded", status: lockedPassphrase });
    expect(promptFor(model)).toEqual({ kind: "unlock", keySource: "passphrase" });
  });

  it("a wrong passphrase keeps the unlock form and shows the error", () => {
    const model = run(
      { type: "succeeded", status: lockedPassphrase },
      { type: "started", operation: "unlock" },
      { type: "failed", error: { kind: "WrongKey", message: "wrong" }, status: lockedPassphrase },
    );
    expect(model.error?.kind).toBe("WrongKey");
    expect(promptFor(model)).toEqual({ kind: "unlock", keySource: "passphrase" });
  });

  it("a locked keychain vault asks for a plain unlock", () => {
    expect(promptFor(run({ type: "succeeded", status: lockedKeychain }))).toEqual({ kind: "unlock", keySource: "keychain" });
  });

  it("a failure without a fresh status keeps the last known one", () => {
    const model = run(
      { type: "succeeded", status: status({}) },
      { type: "failed", error: { kind: "Storage", message: "disk full" }, status: null },
    );
    expect(model.status?.state).toBe("unlocked");
  });

  it("a vault from a newer Spearmint asks for an update", () => {
    const model = run({ type: "failed", error: { kind: "VaultTooNew", message: "update" }, status: lockedKeychain });
    expect(promptFor(model)).toEqual({ kind: "update-required" });
  });

  it("any other failure before the first status offers a retry", () => {
    const model = run({ type: "failed", error: { kind: "Storage", message: "permission denied" }, status: null });
    expect(promptFor(model)).toEqual({ kind: "unreachable" });
  });

  it("locking returns to the unlock prompt", () => {
    const model = run(
      { type: "succeeded", status: status({}) },
      { type: "started", operation: "lock" },
      { type: "succeeded", status: lockedKeychain },
    );
    expect(promptFor(model)).toEqual({ kind: "unlock", keySource: "keychain" });
  });

  it("a status read in the background updates the counts, but never under a running command", () => {
    const counted = status({ counts: [{ table: "transactions", rows: 242 }] });
    const idle = run({ type: "succeeded", status: status({}) });
    expect(vaultReducer(idle, { type: "refreshed", status: counted }).status).toBe(counted);
    const locking = vaultReducer(idle, { type: "started", operation: "lock" });
    expect(vaultReducer(locking, { type: "refreshed", status: counted })).toBe(locking);
  });
});
