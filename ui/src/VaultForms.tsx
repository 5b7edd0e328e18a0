// The forms that get the user into the vault: unlock (passphrase or keychain)
// and create with a passphrase. They branch on the error's kind, never on its
// message, which belongs to the shell and is shown as is by the banner.
import { useId, useRef, useState, type FormEvent, type RefObject } from "react";
import type { VaultActions } from "./vault";

export const MIN_PASSPHRASE_CHARS = 8;

export function UnlockWithPassphrase({ unlock, busy }: { unlock: VaultActions["unlock"]; busy: boolean }) {
  const [passphrase, setPassphrase] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (passphrase.length === 0) {
      input.current?.focus();
      return;
    }
    const error = await unlock(passphrase);
    if (error?.kind === "WrongKey") {
      // Keep the form, start over with an empty field.
      setPassphrase("");
      input.current?.focus();
    }
  }

  return (
    <form className="card prompt" onSubmit={submit} aria-busy={busy} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Unlock your vault</h2>
      <p className="muted">The vault is locked with your passphrase. Spearmint never stores it.</p>
      <div className="field">
        <label htmlFor={`${id}-passphrase`}>Passphrase</label>
        <input
          id={`${id}-passphrase`}
          ref={input}
          type="password"
          autoComplete="current-password"
          data-testid="passphrase-input"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
          required
          autoFocus
        />
      </div>
      <div className="actions">
        <button type="submit" className="primary" data-testid="unlock-button" disabled={busy}>
          {busy ? "Unlocking…" : "Unlock"}
        </button>
      </div>
    </form>
  );
}

export function UnlockWithKeychain({ unlock, busy }: { unlock: VaultActions["unlock"]; busy: boolean }) {
  const id = useId();
  return (
    <section className="card prompt" aria-labelledby={`${id}-title`} aria-busy={busy}>
      <h2 id={`${id}-title`}>Unlock your vault</h2>
      <p className="muted">The vault is locked. Its key is kept in your system keychain.</p>
      <div className="actions">
        <button
          type="button"
          className="primary"
          data-testid="unlock-button"
          disabled={busy}
          onClick={() => void unlock(null)}
        >
          {busy ? "Unlocking…" : "Unlock"}
        </button>
      </div>
    </section>
  );
}

type CreateProps = {
  create: VaultActions["create"];
  retryKeychain: VaultActions["open"];
  keychainUnavailable: boolean;
  busy: boolean;
};

export function CreateWithPassphrase({ create, retryKeychain, keychainUnavailable, busy }: CreateProps) {
  const fields = useNewPassphrase();
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const passphrase = fields.check();
    if (passphrase === null) return;
    await create(passphrase);
  }

  return (
    <form className="card prompt" onSubmit={submit} aria-busy={busy} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Create your vault</h2>
      {keychainUnavailable ? (
        <p>
          Spearmint keeps the vault's key in your system keychain, but no keychain is reachable on this computer
          right now. You can protect the vault with a passphrase instead.
        </p>
      ) : (
        <p>There is no vault yet. Protect it with a passphrase, or let Spearmint keep its key in your system keychain.</p>
      )}
      <p className="muted">
        The vault is encrypted with your passphrase. Nobody can recover it if you forget it, so choose one you will
        remember or keep it in a password manager.
      </p>
      <NewPassphraseFields fields={fields} id={id} testIds={["passphrase-input", "passphrase-confirm"]} />
      <div className="actions">
        <button type="submit" className="primary" data-testid="create-button" disabled={busy}>
          {busy ? "Creating…" : "Create vault with passphrase"}
        </button>
        <button type="button" className="secondary" data-testid="keychain-retry-button" disabled={busy} onClick={() => void retryKeychain()}>
          {keychainUnavailable ? "Try the keychain again" : "Use the keychain instead"}
        </button>
      </div>
    </form>
  );
}

/** What is wrong with a new passphrase and its confirmation, checked in this order. */
export type PassphraseProblem = "short" | "mismatch";

/** The checks of a new passphrase: long enough (in characters), and typed twice the same. */
export function newPassphraseProblem(passphrase: string, confirmation: string): PassphraseProblem | null {
  // Count characters, not UTF-16 units, so "ééééé" is five.
  if ([...passphrase].length < MIN_PASSPHRASE_CHARS) return "short";
  if (confirmation !== passphrase) return "mismatch";
  return null;
}

export type NewPassphrase = {
  passphrase: string;
  confirmation: string;
  setPassphrase: (value: string) => void;
  setConfirmation: (value: string) => void;
  /** The problem last found by `check`, shown by the fields until the next check. */
  problem: PassphraseProblem | null;
  first: RefObject<HTMLInputElement | null>;
  second: RefObject<HTMLInputElement | null>;
  /**
   * The passphrase when it passes; otherwise shows what is wrong, moves focus to the field
   * to fix and gives null.
   */
  check: () => string | null;
  /** Empties both fields and forgets the problem. */
  clear: () => void;
};

/** The state of a passphrase typed twice, for `NewPassphraseFields`. */
export function useNewPassphrase(): NewPassphrase {
  const [passphrase, setPassphrase] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [problem, setProblem] = useState<PassphraseProblem | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const second = useRef<HTMLInputElement>(null);

  function check(): string | null {
    const found = newPassphraseProblem(passphrase, confirmation);
    setProblem(found);
    if (found === "short") first.current?.focus();
    if (found === "mismatch") second.current?.focus();
    return found === null ? passphrase : null;
  }

  function clear() {
    setPassphrase("");
    setConfirmation("");
    setProblem(null);
  }

  return { passphrase, confirmation, setPassphrase, setConfirmation, problem, first, second, check, clear };
}

type FieldsProps = {
  fields: NewPassphrase;
  /** Prefix of the inputs' ids (a `useId`). */
  id: string;
  /** data-testid of the passphrase and of its confirmation. */
  testIds: [string, string];
  labels?: [string, string];
  disabled?: boolean;
};

/** A new passphrase and its confirmation, with the hint and what is wrong under each. */
export function NewPassphraseFields({ fields, id, testIds, labels = ["Passphrase", "Passphrase again"], disabled }: FieldsProps) {
  const { problem } = fields;
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-passphrase`}>{labels[0]}</label>
        <input
          id={`${id}-passphrase`}
          ref={fields.first}
          type="password"
          autoComplete="new-password"
          data-testid={testIds[0]}
          value={fields.passphrase}
          onChange={(e) => fields.setPassphrase(e.target.value)}
          aria-invalid={problem === "short"}
          aria-describedby={`${id}-passphrase-hint`}
          minLength={MIN_PASSPHRASE_CHARS}
          disabled={disabled}
          required
        />
        <p id={`${id}-passphrase-hint`} className={problem === "short" ? "field-error" : "field-hint"}>
          {problem === "short"
            ? `Use at least ${MIN_PASSPHRASE_CHARS} characters.`
            : `At least ${MIN_PASSPHRASE_CHARS} characters. A few unrelated words work well.`}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-confirmation`}>{labels[1]}</label>
        <input
          id={`${id}-confirmation`}
          ref={fields.second}
          type="password"
          autoComplete="new-password"
          data-testid={testIds[1]}
          value={fields.confirmation}
          onChange={(e) => fields.setConfirmation(e.target.value)}
          aria-invalid={problem === "mismatch"}
          aria-describedby={problem === "mismatch" ? `${id}-confirmation-error` : undefined}
          disabled={disabled}
          required
        />
        {problem === "mismatch" && (
          <p id={`${id}-confirmation-error`} className="field-error">
            The two passphrases differ.
          </p>
        )}
      </div>
    </>
  );
}
