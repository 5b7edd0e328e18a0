// Sync, in Settings: several devices share one budget through a server the user runs, end-to-end
// encrypted. Before this budget syncs, the card offers to set sync up here (which shows the
// recovery phrase, once) or to join the budget another device set up, with that phrase. Once it
// syncs: where and when it last synced, what is waiting to go, "Sync now", the account's devices
// (another can be removed), a new recovery phrase (shown once, like the first) and "Stop syncing
// on this device". Everything goes through the sync_* commands; their messages are shown as is.
import { useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode, type RefObject } from "react";
import * as api from "../api";
import type { IpcError } from "../bindings/IpcError";
import type { SyncDeviceView } from "../bindings/SyncDeviceView";
import type { SyncState } from "../bindings/SyncState";
import { ErrorBanner } from "../ErrorBanner";
import { changesText, normalPhrase, SYNC_ERROR_TITLES, whenText } from "../syncText";
import { createStore } from "../store";
import "./sync.css";

type Props = {
  /** Called after a sync may have brought other devices' changes, so the screens read again. */
  onSynced?: () => void;
};

/** A recovery phrase to show once: the first, from setup, or a new one that replaced it. */
type ShownPhrase = { phrase: string; after: "setup" | "change" };

/**
 * The recovery phrase, from setup (or a change of phrase) until the user says it is written
 * down; then forgotten. Held outside the card (in memory only, never written anywhere) so that
 * an answer that came after the user left Settings, or a click on another screen before writing
 * it down, does not lose it; a card shown meanwhile shows it as soon as it comes.
 */
const unconfirmedPhrase = createStore<ShownPhrase | null>(null);

export function SyncSettings({ onSynced }: Props) {
  const id = useId();
  const [state, setState] = useState<SyncState | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const phrase = useSyncExternalStore(unconfirmedPhrase.subscribe, unconfirmedPhrase.current);
  const live = useLive();

  // The phrase is gone for good; the card shows where sync stands now (a new phrase was synced).
  const writtenDown = () => {
    unconfirmedPhrase.set(null);
    api.sync_state().then(
      (s) => live.current && changed(s),
      () => {},
    );
  };

  useEffect(() => {
    api.sync_state().then(
      (s) => live.current && setState(s),
      (e: unknown) => live.current && setLoadError(api.toIpcError(e)),
    );
  }, [live]);

  const changed = (next: SyncState) => {
    setLoadError(null);
    setState(next);
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="sync-settings" data-set-up={state?.setUp}>
      <h2 id={`${id}-title`}>Sync</h2>
      {phrase !== null ? (
        <RecoveryPhrase shown={phrase} done={writtenDown} />
      ) : state === null ? (
        loadError ? (
          <ErrorBanner error={loadError} titles={SYNC_ERROR_TITLES} />
        ) : (
          <p className="muted small" role="status">
            Loading…
          </p>
        )
      ) : state.setUp ? (
        <SyncStatus state={state} changed={changed} onSynced={onSynced} />
      ) : (
        <SyncChoices
          setUp={changed}
          joined={(next) => {
            changed(next);
            onSynced?.();
          }}
        />
      )}
    </section>
  );
}

/** A ref that is false once the card is gone, so a late answer changes nothing. */
function useLive(): RefObject<boolean> {
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  return live;
}

// ---- Before this budget syncs ------------------------------------------------------------

type Running = "setup" | "join" | null;

function SyncChoices({ setUp, joined }: { setUp: (state: SyncState) => void; joined: (state: SyncState) => void }) {
  const [running, setRunning] = useState<Running>(null);
  return (
    <>
      <p className="muted">
        Sync keeps this budget the same on your other devices through a sync server you run. It is end-to-end
        encrypted: the server stores only data it cannot read. The recovery phrase never leaves your devices, your
        password is used only to sign in to the server, and your banks' logins never leave this device.
      </p>
      <div className="overview-split">
        <SetUpForm running={running} setRunning={setRunning} done={setUp} />
        <JoinForm running={running} setRunning={setRunning} done={joined} />
      </div>
    </>
  );
}

type FormProps<T> = { running: Running; setRunning: (r: Running) => void; done: T };

/** The server address, user name and password that both forms ask for. */
function useAccountFields() {
  const [server, setServer] = useState("");
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  return { server, setServer, user, setUser, password, setPassword };
}
type AccountFields = ReturnType<typeof useAccountFields>;

function AccountInputs({
  id,
  prefix,
  fields,
  disabled,
  missing,
  refs,
}: {
  id: string;
  prefix: string;
  fields: AccountFields;
  disabled: boolean;
  missing: string | null;
  refs: Record<"server" | "user" | "password", RefObject<HTMLInputElement | null>>;
}) {
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-server`}>Server address</label>
        <input
          id={`${id}-server`}
          ref={refs.server}
          type="url"
          inputMode="url"
          autoComplete="url"
          spellCheck={false}
          placeholder="https://sync.example.org"
          data-testid={`${prefix}-server`}
          aria-describedby={`${id}-server-hint`}
          aria-invalid={missing === "server"}
          value={fields.server}
          disabled={disabled}
          onChange={(e) => fields.setServer(e.target.value)}
        />
        <span className="field-hint" id={`${id}-server-hint`}>
          Starts with https:// (plain http:// only for a server on this computer).
        </span>
        {missing === "server" && <span className="field-error">Enter the sync server's address.</span>}
      </div>
      <div className="field">
        <label htmlFor={`${id}-user`}>User name</label>
        <input
          id={`${id}-user`}
          ref={refs.user}
          autoComplete="username"
          spellCheck={false}
          data-testid={`${prefix}-user`}
          aria-invalid={missing === "user"}
          value={fields.user}
          disabled={disabled}
          onChange={(e) => fields.setUser(e.target.value)}
        />
        {missing === "user" && <span className="field-error">Enter your user name on the server.</span>}
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          ref={refs.password}
          type="password"
          autoComplete={prefix === "sync-setup" ? "new-password" : "current-password"}
          data-testid={`${prefix}-password`}
          aria-invalid={missing === "password"}
          value={fields.password}
          disabled={disabled}
          onChange={(e) => fields.setPassword(e.target.value)}
        />
        {missing === "password" && <span className="field-error">Enter your password on the server.</span>}
      </div>
    </>
  );
}

/** The first field left empty, focused, or null when all are filled. */
function firstMissing(values: Array<[string, string, RefObject<HTMLElement | null>]>): string | null {
  const empty = values.find(([, value]) => value.trim() === "");
  if (empty === undefined) return null;
  empty[2].current?.focus();
  return empty[0];
}

/**
 * What the set-up and join forms share: the server, user and password fields and their refs,
 * which field is missing, the error shown, and whether the form is still mounted.
 */
function useAccountForm() {
  const fields = useAccountFields();
  const refs = { server: useRef<HTMLInputElement>(null), user: useRef<HTMLInputElement>(null), password: useRef<HTMLInputElement>(null) };
  const [missing, setMissing] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const live = useLive();
  /** Whether every field (the account's, then `more`) is filled; else the first empty one is focused and marked. */
  const filled = (more: Array<[string, string, RefObject<HTMLElement | null>]> = []) => {
    const empty = firstMissing([
      ["server", fields.server, refs.server],
      ["user", fields.user, refs.user],
      ["password", fields.password, refs.password],
      ...more,
    ]);
    setMissing(empty);
    return empty === null;
  };
  return { fields, refs, missing, error, setError, live, filled };
}

function SetUpForm({ running, setRunning, done }: FormProps<(state: SyncState) => void>) {
  const id = useId();
  const { fields, refs, missing, error, setError, live, filled } = useAccountForm();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (running !== null || !filled()) return;
    setError(null);
    setRunning("setup");
    try {
      const phrase = await api.sync_setup(fields.server.trim(), fields.user.trim(), fields.password);
      // Set up: the phrase is shown even if reading the new state fails, or on the next visit.
      let state: SyncState;
      try {
        state = await api.sync_state();
      } catch {
        state = { setUp: true, server: fields.server.trim(), user: fields.user.trim(), device: null, lastSyncAt: null, lastError: null, pendingChanges: 0, crowdSharing: false };
      }
      // Whether or not this card is still shown: the card shown next shows the phrase. Set
      // first, so the card goes straight from the form to the phrase, not through the device
      // list (which would ask the server for devices nobody sees).
      unconfirmedPhrase.set({ phrase, after: "setup" });
      if (live.current) {
        fields.setPassword("");
        done(state);
      }
    } catch (rejection) {
      if (live.current) setError(api.toIpcError(rejection));
    } finally {
      if (live.current) setRunning(null);
    }
  }

  return (
    <form
      className="overview-part"
      onSubmit={submit}
      aria-labelledby={`${id}-title`}
      aria-busy={running === "setup"}
      data-testid="sync-setup-form"
      noValidate
    >
      <h3 id={`${id}-title`}>Set up sync on this device</h3>
      <p className="muted small">
        For the first device: Spearmint makes an account on the server if it lets anyone sign up, or signs in to yours,
        sends this budget encrypted and gives you its recovery phrase.
      </p>
      <AccountInputs id={id} prefix="sync-setup" fields={fields} disabled={running !== null} missing={missing} refs={refs} />
      {error && <ErrorBanner error={error} titles={SYNC_ERROR_TITLES} />}
      <div className="actions">
        <button type="submit" className="primary" data-testid="sync-setup-submit" disabled={running !== null}>
          {running === "setup" ? "Setting up…" : "Set up sync"}
        </button>
      </div>
    </form>
  );
}

function JoinForm({ running, setRunning, done }: FormProps<(state: SyncState) => void>) {
  const id = useId();
  const { fields, refs, missing, error, setError, live, filled } = useAccountForm();
  const phraseRef = useRef<HTMLTextAreaElement>(null);
  const [phrase, setPhrase] = useState("");
  // The field to fix after a refusal, focused once the form is enabled again.
  const [refocus, setRefocus] = useState<"phrase" | "password" | null>(null);

  useEffect(() => {
    if (running !== null || refocus === null) return;
    (refocus === "phrase" ? phraseRef : refs.password).current?.focus();
    setRefocus(null);
  }, [running, refocus, refs.password]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (running !== null || !filled([["phrase", phrase, phraseRef]])) return;
    setError(null);
    setRunning("join");
    try {
      const state = await api.sync_join(fields.server.trim(), fields.user.trim(), fields.password, normalPhrase(phrase));
      if (!live.current) return;
      fields.setPassword("");
      setPhrase("");
      done(state);
    } catch (rejection) {
      if (!live.current) return;
      const e = api.toIpcError(rejection);
      setError(e);
      // The field to fix; what was typed stays, to correct one word rather than all 24.
      if (e.kind === "WrongKey") setRefocus("phrase");
      if (e.kind === "ProviderAuth") setRefocus("password");
    } finally {
      if (live.current) setRunning(null);
    }
  }

  return (
    <form
      className="overview-part"
      onSubmit={submit}
      aria-labelledby={`${id}-title`}
      aria-busy={running === "join"}
      data-testid="sync-join-form"
      noValidate
    >
      <h3 id={`${id}-title`}>Join a budget from another device</h3>
      <p className="muted small">
        When another device already syncs the budget: sign in to the same account and enter the recovery phrase that
        device showed when sync was set up. This device then holds that budget.
      </p>
      <AccountInputs id={id} prefix="sync-join" fields={fields} disabled={running !== null} missing={missing} refs={refs} />
      <div className="field">
        <label htmlFor={`${id}-phrase`}>Recovery phrase</label>
        <textarea
          id={`${id}-phrase`}
          ref={phraseRef}
          rows={3}
          autoComplete="off"
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
          data-testid="sync-join-phrase"
          aria-describedby={`${id}-phrase-hint`}
          aria-invalid={missing === "phrase" || error?.kind === "WrongKey"}
          value={phrase}
          disabled={running !== null}
          onChange={(e) => setPhrase(e.target.value)}
        />
        <span className="field-hint" id={`${id}-phrase-hint`}>
          The 24 words, in order, separated by spaces or new lines.
        </span>
        {missing === "phrase" && <span className="field-error">Enter the recovery phrase.</span>}
      </div>
      {error && <ErrorBanner error={error} titles={SYNC_ERROR_TITLES} />}
      <div className="actions">
        <button type="submit" className="primary" data-testid="sync-join-submit" disabled={running !== null}>
          {running === "join" ? "Joining…" : "Join the budget"}
        </button>
      </div>
    </form>
  );
}

/** The test ids of the phrase's box, its words and its button: the first phrase's, or a new one's. */
const PHRASE_TEST_IDS = {
  setup: { box: "sync-phrase-box", words: "sync-phrase", done: "sync-phrase-done" },
  change: { box: "sync-new-phrase", words: "sync-new-phrase-words", done: "sync-new-phrase-done" },
} as const;

/** The phrase, shown this once, until the user says they wrote it down. */
function RecoveryPhrase({ shown, done }: { shown: ShownPhrase; done: () => void }) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  // A new phrase gets the keyboard too, even when it replaces one shown before.
  useEffect(() => heading.current?.focus(), [shown]);
  const words = shown.phrase.split(" ");
  const testIds = PHRASE_TEST_IDS[shown.after];
  return (
    <div className="sync-phrase-box" role="group" aria-labelledby={`${id}-title`} data-testid={testIds.box}>
      <h3 id={`${id}-title`} ref={heading} tabIndex={-1}>
        {shown.after === "setup" ? "Write down your recovery phrase" : "Write down your new recovery phrase"}
      </h3>
      {shown.after === "setup" ? (
        <p>
          Sync is set up. These {words.length} words are <strong>the only way another device can open this budget</strong>.
          Spearmint shows them only this once and cannot show them again. Write them down, in order, and keep them
          somewhere safe; anyone who has them and your password can read the budget.
        </p>
      ) : (
        <p>
          The recovery phrase is changed, and your devices that sync go on syncing. These {words.length} words are now{" "}
          <strong>the only way another device can open this budget</strong>: the old phrase no longer does. Spearmint
          shows them only this once and cannot show them again. Write them down, in order, and keep them somewhere
          safe; anyone who has them and your password can read the budget.
        </p>
      )}
      <ol className="sync-phrase" data-testid={testIds.words} aria-label="Recovery phrase">
        {words.map((word, i) => (
          <li key={i}>
            <span className="mono">{word}</span>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" className="primary" data-testid={testIds.done} onClick={done}>
          I have written it down
        </button>
      </div>
    </div>
  );
}

// ---- Once this budget syncs -------------------------------------------------------------

type Busy = "now" | "revoke" | "phrase" | "leave" | "crowd" | null;
/** The commands that talk to the server for a while: sync_now, and sync_change_phrase (which syncs too). */
type LongRun = "now" | "phrase";

/**
 * Which of sync_now or sync_change_phrase is running, if one is. Held outside the card, so that
 * leaving Settings and coming back meanwhile still says "Syncing…" (or "Changing…") and offers
 * neither again; the card then reads where sync stands once it ends.
 */
const syncRun = (() => {
  let running: LongRun | null = null;
  const listeners = new Set<() => void>();
  const set = (next: LongRun | null) => {
    running = next;
    for (const listener of listeners) listener();
  };
  return {
    current: () => running,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    start: (which: LongRun) => set(which),
    end: () => set(null),
  };
})();

function SyncStatus({ state, changed, onSynced }: { state: SyncState; changed: (s: SyncState) => void; onSynced: (() => void) | undefined }) {
  const id = useId();
  const [busy, setBusy] = useState<Busy>(null);
  // What went wrong, and in which action: a new phrase's trouble shows by its button.
  const [failure, setFailure] = useState<{ which: Exclude<Busy, null>; error: IpcError } | null>(null);
  const [devices, setDevices] = useState<SyncDeviceView[] | null>(null);
  const [devicesError, setDevicesError] = useState<IpcError | null>(null);
  // The question asked: to stop syncing, to change the phrase, or to remove the device of that id.
  const [asking, setAsking] = useState<{ what: "leave" | "phrase" } | { what: "remove"; device: string } | null>(null);
  // The device just removed, to suggest changing the phrase.
  const [removed, setRemoved] = useState<string | null>(null);
  const live = useLive();
  const longRun = useSyncExternalStore(syncRun.subscribe, syncRun.current);
  const syncing = longRun === "now";
  const changingPhrase = longRun === "phrase";
  const blocked = busy !== null || longRun !== null;
  const startedHere = useRef(false);
  const wasRunning = useRef(longRun !== null);
  const error = failure?.which === "phrase" ? null : (failure?.error ?? null);
  const phraseError = failure?.which === "phrase" ? failure.error : null;

  const readDevices = () =>
    api.sync_devices().then(
      (d) => {
        if (!live.current) return;
        setDevices(d);
        setDevicesError(null);
      },
      (e: unknown) => live.current && setDevicesError(api.toIpcError(e)),
    );

  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => void readDevices(), []);

  // A sync (or change of phrase) started before this card was shown has ended: show where sync
  // stands now.
  useEffect(() => {
    const running = longRun !== null;
    const ended = wasRunning.current && !running;
    wasRunning.current = running;
    if (!ended || startedHere.current) return;
    api.sync_state().then(
      (s) => live.current && changed(s),
      () => {},
    );
    void readDevices();
    onSynced?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [longRun]);

  async function run(which: Exclude<Busy, null>, command: () => Promise<void>) {
    if (busy !== null || syncRun.current() !== null) return;
    setBusy(which);
    setFailure(null);
    try {
      await command();
    } catch (rejection) {
      if (!live.current) return;
      setFailure({ which, error: api.toIpcError(rejection) });
      // The shell keeps what went wrong and what is still waiting: show it as it now stands.
      if (which === "now" || which === "phrase") {
        api.sync_state().then(
          (s) => live.current && changed(s),
          () => {},
        );
      }
    } finally {
      if (live.current) {
        setBusy(null);
        setAsking(null);
      }
    }
  }

  const syncNow = () =>
    run("now", async () => {
      startedHere.current = true;
      syncRun.start("now");
      try {
        const next = await api.sync_now();
        // Synced, whether or not this card is still shown: the screens read the vault again.
        onSynced?.();
        if (!live.current) return;
        changed(next);
        void readDevices();
      } finally {
        syncRun.end();
        startedHere.current = false;
      }
    });

  const revoke = (device: SyncDeviceView) =>
    run("revoke", async () => {
      const next = await api.sync_revoke(device.id);
      if (!live.current) return;
      setDevices(next);
      setRemoved(device.name);
    });

  const changePhrase = () =>
    run("phrase", async () => {
      startedHere.current = true;
      syncRun.start("phrase");
      try {
        const phrase = await api.sync_change_phrase();
        // The shell synced with the new key, whether or not this card is still shown: the screens
        // read the vault again, and the card shown next shows the phrase, once (then reads where
        // sync stands).
        onSynced?.();
        unconfirmedPhrase.set({ phrase, after: "change" });
      } finally {
        syncRun.end();
        startedHere.current = false;
      }
    });

  const leave = () =>
    run("leave", async () => {
      const next = await api.sync_leave();
      if (live.current) changed(next);
    });

  const shareWithCrowd = (on: boolean) =>
    run("crowd", async () => {
      const next = await api.set_crowd_sharing(on);
      if (live.current) changed(next);
    });

  return (
    <div aria-busy={blocked}>
      <dl className="facts">
        <dt>Server</dt>
        <dd className="mono" data-testid="sync-server">
          {state.server ?? "—"}
        </dd>
        <dt>User</dt>
        <dd data-testid="sync-user">{state.user ?? "—"}</dd>
        <dt>Last sync</dt>
        <dd data-testid="sync-last">
          {state.lastSyncAt === null ? (
            "Not yet"
          ) : (
            <time dateTime={state.lastSyncAt} title={new Date(state.lastSyncAt).toLocaleString()}>
              {whenText(state.lastSyncAt)}
            </time>
          )}
        </dd>
        {state.lastError !== null && failure === null && (
          <>
            <dt>Last problem</dt>
            <dd className="warn-text" data-testid="sync-last-error">
              {state.lastError}
            </dd>
          </>
        )}
        <dt>Waiting to sync</dt>
        <dd data-testid="sync-pending">
          {state.pendingChanges === 0 ? "Nothing: every change made here is on the server" : `${changesText(state.pendingChanges)} made here`}
        </dd>
      </dl>
      <div className="actions">
        <button type="button" className="primary" data-testid="sync-now" disabled={blocked} onClick={() => void syncNow()}>
          {syncing ? "Syncing…" : "Sync now"}
        </button>
        <p className="muted small" role="status" data-testid="sync-now-status">
          {syncing ? "Syncing with the server: you can go on using Spearmint meanwhile." : ""}
        </p>
      </div>
      {error && <ErrorBanner error={error} titles={SYNC_ERROR_TITLES} />}

      <label className="choice">
        <input
          type="checkbox"
          data-testid="sync-crowd"
          checked={state.crowdSharing}
          disabled={blocked}
          aria-describedby={`${id}-crowd-hint`}
          onChange={(e) => void shareWithCrowd(e.target.checked)}
        />
        <span>
          Share my categories with other Spearmint users, and use theirs
          <span className="muted small" id={`${id}-crowd-hint`}>
            {" "}
            · When you categorize a seller yourself, that choice goes to the sync server as a vote: the seller only as a
            code made from its name, never the name, your amounts or your dates. A seller gets the crowd&apos;s category here
            once at least three people agree on it; your own choices and rules always come first. Off unless you turn
            it on.
          </span>
        </span>
      </label>

      <h3 id={`${id}-devices`}>Devices</h3>
      {devicesError && <ErrorBanner error={devicesError} titles={SYNC_ERROR_TITLES} />}
      {devices === null ? (
        !devicesError && (
          <p className="muted small" role="status">
            Loading…
          </p>
        )
      ) : (
        <ul className="sync-devices" aria-labelledby={`${id}-devices`} data-testid="sync-devices">
          {devices.map((device) => (
            <DeviceRow
              key={device.id}
              device={device}
              asked={asking?.what === "remove" && asking.device === device.id}
              blocked={blocked}
              removing={busy === "revoke"}
              ask={() => setAsking({ what: "remove", device: device.id })}
              cancel={() => setAsking(null)}
              confirm={() => void revoke(device)}
            />
          ))}
        </ul>
      )}

      {removed !== null && (
        <p className="sync-hint small" role="status" data-testid="sync-revoke-hint">
          {removed} is removed. If it was lost, or someone else may have it, change the recovery phrase below: then
          neither it nor the old phrase opens anything new.
        </p>
      )}

      <h3 id={`${id}-phrase`}>Recovery phrase</h3>
      <p className="muted small" id={`${id}-phrase-hint`}>
        Lost a device, or someone saw your recovery phrase? Remove the device above, then change the phrase: your other
        devices keep syncing, and the old phrase and the removed device open nothing new.
      </p>
      {phraseError && <ErrorBanner error={phraseError} titles={SYNC_ERROR_TITLES} />}
      {asking?.what === "phrase" ? (
        <div role="group" aria-labelledby={`${id}-phrase`}>
          <p id={`${id}-phrase-question`}>
            Change the recovery phrase? Spearmint makes a new phrase and shows it once, for you to write down. Your
            devices that sync now go on syncing with nothing to do; the old phrase will no longer open this budget.
          </p>
          <div className="actions">
            <AutoFocusButton
              className="primary"
              testId="sync-change-phrase-confirm"
              describedBy={`${id}-phrase-question`}
              disabled={blocked}
              onClick={() => void changePhrase()}
            >
              {changingPhrase ? "Changing…" : "Change the phrase"}
            </AutoFocusButton>
            <button type="button" className="secondary" data-testid="sync-change-phrase-cancel" disabled={blocked} onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            data-testid="sync-change-phrase"
            aria-describedby={`${id}-phrase-hint`}
            disabled={blocked}
            onClick={() => setAsking({ what: "phrase" })}
          >
            {changingPhrase ? "Changing…" : "Change the recovery phrase…"}
          </button>
        </div>
      )}

      <h3 id={`${id}-leave`}>Stop syncing</h3>
      {asking?.what === "leave" ? (
        <div role="group" aria-labelledby={`${id}-leave`}>
          <p id={`${id}-leave-question`}>
            Stop syncing on this device? The budget stays here as it is, and on the server for your other devices. To
            sync here again, join the budget with its recovery phrase.
          </p>
          <div className="actions">
            <AutoFocusButton
              className="danger"
              testId="sync-leave-confirm"
              describedBy={`${id}-leave-question`}
              disabled={blocked}
              onClick={() => void leave()}
            >
              {busy === "leave" ? "Stopping…" : "Stop syncing"}
            </AutoFocusButton>
            <button type="button" className="secondary" data-testid="sync-leave-cancel" disabled={blocked} onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="secondary" data-testid="sync-leave" disabled={blocked} onClick={() => setAsking({ what: "leave" })}>
            Stop syncing on this device…
          </button>
        </div>
      )}
    </div>
  );
}

function DeviceRow({
  device,
  asked,
  blocked,
  removing,
  ask,
  cancel,
  confirm,
}: {
  device: SyncDeviceView;
  asked: boolean;
  blocked: boolean;
  removing: boolean;
  ask: () => void;
  cancel: () => void;
  confirm: () => void;
}) {
  const id = useId();
  const removable = !device.thisDevice && !device.revoked;
  return (
    <li data-testid="sync-device" data-id={device.id} data-revoked={device.revoked}>
      <span className="sync-device-main">
        <strong>{device.name}</strong>
        {device.thisDevice && <span className="muted"> (this device)</span>}
        {device.revoked && <span className="status-pill status-warn">Removed</span>}
        <span className="muted small">
          {" "}
          · added {whenText(device.addedAt)} · last synced {whenText(device.lastSeenAt)}
        </span>
      </span>
      {removable &&
        (asked ? (
          <span className="sync-device-question" role="group" aria-labelledby={`${id}-question`}>
            <span id={`${id}-question`}>
              Remove {device.name}? It can no longer sync; its data stays on it.
            </span>
            <AutoFocusButton className="danger" testId="sync-remove-confirm" describedBy={`${id}-question`} disabled={blocked} onClick={confirm}>
              {removing ? "Removing…" : "Remove"}
            </AutoFocusButton>
            <button type="button" className="secondary" data-testid="sync-remove-cancel" disabled={blocked} onClick={cancel}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="secondary" data-testid={`sync-remove-${device.id}`} disabled={blocked} onClick={ask}>
            Remove…
          </button>
        ))}
    </li>
  );
}

/** The answer to a question just asked, where the keyboard goes when it appears. */
function AutoFocusButton({
  className,
  testId,
  describedBy,
  disabled,
  onClick,
  children,
}: {
  className: string;
  testId: string;
  describedBy: string;
  disabled: boolean;
  onClick: () => void;
  children: ReactNode;
}) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => button.current?.focus(), []);
  return (
    <button type="button" ref={button} className={className} data-testid={testId} aria-describedby={describedBy} disabled={disabled} onClick={onClick}>
      {children}
    </button>
  );
}
