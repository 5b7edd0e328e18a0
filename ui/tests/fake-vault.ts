// A stand-in for the Rust shell that follows docs/ipc-contract.md: the same
// commands, the same VaultStatus, errors rejected as { kind, message }.
// The unit tests (jsdom) and the Chromium tests both drive the UI through it
// with `mockIPC`, so both exercise one and the same behaviour of the shell.
import type { IpcError } from "../src/bindings/IpcError";
import type { KeySource } from "../src/bindings/KeySource";
import type { VaultStatus } from "../src/bindings/VaultStatus";

export type FakeVaultOptions = {
  /** What exists when the app starts. Default: no vault. */
  vault?: "none" | "keychain" | "passphrase";
  /** Whether an OS keychain answers. Default: true. */
  keychain?: boolean;
  /** The passphrase of an existing passphrase vault. Default: "correct horse". */
  passphrase?: string;
  /** Whether the vault file is encrypted. Default: true. */
  encrypted?: boolean;
  /** The vault's schema is newer than this app knows. Default: false. */
  tooNew?: boolean;
};

export const FAKE_PROFILE = "default";
export const FAKE_PATH = "/home/ada/.local/share/spearmint/default/vault.db";
export const FAKE_KEYCHAIN_LOCATION = "Secret Service: spearmint/default";
export const LATEST_SCHEMA = 3;

function reject(kind: IpcError["kind"], message: string): never {
  // A plain object like the shell's serialised IpcError, not an Error.
  throw { kind, message } satisfies IpcError;
}

export type FakeVault = {
  handle(command: string, args: unknown): VaultStatus;
  /** Commands received, in order, for assertions. */
  readonly calls: string[];
};

export function createFakeVault(options: FakeVaultOptions = {}): FakeVault {
  const keychain = options.keychain ?? true;
  const encrypted = options.encrypted ?? true;
  let keySource: KeySource | null = options.vault === undefined || options.vault === "none" ? null : options.vault;
  let secret: string | null = keySource === "passphrase" ? (options.passphrase ?? "correct horse") : null;
  let unlocked = false;
  const calls: string[] = [];

  function status(): VaultStatus {
    return {
      profile: FAKE_PROFILE,
      path: FAKE_PATH,
      state: keySource === null ? "missing" : unlocked ? "unlocked" : "locked",
      encrypted: keySource !== null && encrypted,
      keySource,
      keyLocation:
        keySource === "keychain" ? FAKE_KEYCHAIN_LOCATION : keySource === "passphrase" ? "only in your memory" : null,
      schemaVersion: unlocked ? LATEST_SCHEMA : null,
      latestSchemaVersion: LATEST_SCHEMA,
      counts: unlocked
        ? [
            { table: "accounts", rows: 0 },
            { table: "transactions", rows: 0 },
            { table: "categories", rows: 12 },
            { table: "rules", rows: 0 },
          ]
        : [],
    };
  }

  function requireKeychain(): void {
    if (!keychain) {
      reject(
        "KeychainUnavailable",
        "no OS keychain is reachable (Secret Service did not answer): create the vault with a passphrase, or run `spearmint init --passphrase`",
      );
    }
  }

  function unlockWith(passphrase: string | null): void {
    if (options.tooNew) {
      reject("VaultTooNew", `the vault uses schema version ${LATEST_SCHEMA + 1}, newer than this Spearmint knows (${LATEST_SCHEMA}): update Spearmint`);
    }
    if (keySource === "keychain") {
      requireKeychain();
    } else if (passphrase === null) {
      reject("Invalid", "this vault is protected by a passphrase: enter it to unlock");
    } else if (passphrase !== secret) {
      reject("WrongKey", "the passphrase does not open this vault: check it and try again");
    }
    unlocked = true;
  }

  function create(passphrase: string | null): void {
    if (keySource !== null) reject("AlreadyExists", `a vault already exists at ${FAKE_PATH}: unlock it instead`);
    if (passphrase === null) {
      requireKeychain();
    } else if ([...passphrase].length < 8) {
      reject("Invalid", "the passphrase is too short: use at least 8 characters");
    }
    keySource = passphrase === null ? "keychain" : "passphrase";
    secret = passphrase;
    unlocked = true;
  }

  function passphraseArg(args: unknown): string | null {
    const value = (args as { passphrase?: unknown } | undefined)?.passphrase;
    if (value === null || typeof value === "string") return value;
    return reject("Invalid", "invalid args `passphrase` for command: expected a string or null");
  }

  return {
    calls,
    handle(command, args) {
      calls.push(command);
      switch (command) {
        case "vault_status":
          return status();
        case "open_vault":
          if (keySource === null) create(null);
          else if (keySource === "keychain" && !unlocked) unlockWith(null);
          else if (options.tooNew) unlockWith(null);
          return status();
        case "create_vault":
          create(passphraseArg(args));
          return status();
        case "unlock_vault":
          if (keySource === null) reject("NotFound", "there is no vault yet: create one first");
          unlockWith(passphraseArg(args));
          return status();
        case "lock_vault":
          unlocked = false;
          return status();
        default:
          // Tauri rejects an unknown command with a bare string.
          throw `command ${command} not found`;
      }
    },
  };
}
