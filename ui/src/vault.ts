// What the UI knows about the vault and what it asks of the user next.
// The transitions are a plain reducer so they can be tested without React;
// `useVault` wires them to the commands in api.ts.
import { useCallback, useEffect, useReducer, useRef } from "react";
import * as api from "./api";
import type { ErrorKind } from "./bindings/ErrorKind";
import type { IpcError } from "./bindings/IpcError";
import type { KeySource } from "./bindings/KeySource";
import type { VaultStatus } from "./bindings/VaultStatus";

export type Operation = "open" | "create" | "unlock" | "lock";

export type VaultModel = {
  /** Last status the shell reported; null until it has answered once. */
  status: VaultStatus | null;
  /** The command in flight, if any. */
  pending: Operation | null;
  /** The error to show in the banner; cleared when the next command starts. */
  error: IpcError | null;
  /**
   * Kind of the last failure, kept until a command succeeds. It decides what
   * to ask of the user (e.g. a passphrase when no keychain is reachable), so
   * the form does not change under the user's hands while a retry runs.
   */
  lastFailure: ErrorKind | null;
};

export type VaultEvent =
  | { type: "started"; operation: Operation }
  | { type: "succeeded"; status: VaultStatus }
  | { type: "failed"; error: IpcError; status: VaultStatus | null }
  /** A fresh status read in the background (say, new row counts); asks nothing of the user. */
  | { type: "refreshed"; status: VaultStatus }
  /**
   * A command run outside `useVault` changed the vault and answered with its new status
   * (set_passphrase, rekey: a new key source and location).
   */
  | { type: "statusChanged"; status: VaultStatus };

export const initialVaultModel: VaultModel = {
  status: null,
  pending: "open",
  error: null,
  lastFailure: null,
};

export function vaultReducer(model: VaultModel, event: VaultEvent): VaultModel {
  switch (event.type) {
    case "started":
      return { ...model, pending: event.operation, error: null };
    case "succeeded":
      return { status: event.status, pending: null, error: null, lastFailure: null };
    case "failed":
      return {
        status: event.status ?? model.status,
        pending: null,
        error: event.error,
        lastFailure: event.error.kind,
      };
    case "refreshed":
      // Only while nothing runs, so it never races a command's own answer.
      return model.pending === null ? { ...model, status: event.status } : model;
    case "statusChanged":
      // A command succeeded: like `succeeded`, but what runs meanwhile keeps running.
      return { ...model, status: event.status, error: null, lastFailure: null };
  }
}

/** What the Overview asks of the user. */
export type Prompt =
  | { kind: "starting" }
  | { kind: "unreachable" }
  | { kind: "update-required" }
  | { kind: "create"; keychainUnavailable: boolean }
  | { kind: "unlock"; keySource: KeySource }
  | { kind: "ready" };

export function promptFor(model: VaultModel): Prompt {
  const { status, lastFailure } = model;
  if (lastFailure === "VaultTooNew") return { kind: "update-required" };
  const keychainUnavailable = lastFailure === "KeychainUnavailable";
  if (status === null) {
    if (keychainUnavailable) return { kind: "create", keychainUnavailable };
    return lastFailure === null ? { kind: "starting" } : { kind: "unreachable" };
  }
  switch (status.state) {
    case "missing":
      return { kind: "create", keychainUnavailable };
    case "locked":
      return { kind: "unlock", keySource: status.keySource ?? "keychain" };
    case "unlocked":
      return { kind: "ready" };
  }
}

export type VaultActions = {
  /** First-run friendly: creates or unlocks with the keychain where it can. */
  open: () => Promise<IpcError | null>;
  create: (passphrase: string | null) => Promise<IpcError | null>;
  unlock: (passphrase: string | null) => Promise<IpcError | null>;
  lock: () => Promise<IpcError | null>;
  /** Reads the status again (vault_status changes nothing), e.g. after new rows came in. */
  recheck: () => Promise<void>;
  /** Takes the status a command run elsewhere answered with (set_passphrase, rekey). */
  statusChanged: (status: VaultStatus) => void;
};

export function useVault(): [VaultModel, VaultActions] {
  const [model, dispatch] = useReducer(vaultReducer, initialVaultModel);

  const run = useCallback(
    async (operation: Operation, command: () => Promise<VaultStatus>): Promise<IpcError | null> => {
      dispatch({ type: "started", operation });
      try {
        dispatch({ type: "succeeded", status: await command() });
        return null;
      } catch (rejection) {
        const error = api.toIpcError(rejection);
        // The failed command says nothing about the vault; ask for its state
        // (never changes anything) so the screen still shows path and state.
        const status = await api.vault_status().catch(() => null);
        dispatch({ type: "failed", error, status });
        return error;
      }
    },
    [],
  );

  const actions: VaultActions = {
    open: useCallback(() => run("open", api.open_vault), [run]),
    create: useCallback((p: string | null) => run("create", () => api.create_vault(p)), [run]),
    unlock: useCallback((p: string | null) => run("unlock", () => api.unlock_vault(p)), [run]),
    lock: useCallback(() => run("lock", api.lock_vault), [run]),
    recheck: useCallback(async () => {
      const status = await api.vault_status().catch(() => null);
      if (status !== null) dispatch({ type: "refreshed", status });
    }, []),
    statusChanged: useCallback((status: VaultStatus) => dispatch({ type: "statusChanged", status }), []),
  };

  // Open once on start. The ref keeps React's development double-effect from
  // sending open_vault twice (two concurrent first runs would race to create).
  const opened = useRef(false);
  const { open } = actions;
  useEffect(() => {
    if (opened.current) return;
    opened.current = true;
    void open();
  }, [open]);

  return [model, actions];
}
