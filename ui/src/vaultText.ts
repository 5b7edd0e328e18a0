// Words for vault facts, shared by the screens so they never disagree.
import type { ErrorKind } from "./bindings/ErrorKind";
import type { KeySource } from "./bindings/KeySource";
import type { VaultState } from "./bindings/VaultState";

export function stateLabel(state: VaultState): string {
  switch (state) {
    case "unlocked":
      return "Unlocked";
    case "locked":
      return "Locked";
    case "missing":
      return "No vault yet";
  }
}

export function keySourceLabel(source: KeySource | null): string {
  switch (source) {
    case "keychain":
      return "System keychain";
    case "passphrase":
      return "Your passphrase";
    case null:
      return "Not set yet";
  }
}

/** A short title for the error banner; the shell's message follows it as is. */
export const ERROR_TITLES: Record<ErrorKind, string> = {
  NotFound: "Not found",
  AlreadyExists: "Already exists",
  Invalid: "Not accepted",
  Conflict: "Changed elsewhere",
  VaultLocked: "The vault is locked",
  KeychainUnavailable: "No keychain reachable",
  KeyMissing: "Key not found",
  WrongKey: "Wrong passphrase",
  Corrupt: "The vault is damaged",
  VaultTooNew: "Made by a newer Spearmint",
  Storage: "Could not read or write the vault",
  ProviderAuth: "Your bank refused the login",
  RateLimited: "Too many refreshes for now",
  Offline: "Could not reach your bank",
  Provider: "Your bank had a problem",
  Internal: "Something went wrong",
};
