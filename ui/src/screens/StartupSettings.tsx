// Whether Spearmint starts when the user logs in, so the daily refresh and the alerts
// keep going without opening it by hand (it then waits in the tray).
import { useEffect, useState } from "react";
import * as api from "../api";
import type { IpcError } from "../bindings/IpcError";

export function StartupSettings() {
  const [on, setOn] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let current = true;
    api
      .start_at_login()
      .then((value) => current && setOn(value))
      .catch((e: unknown) => current && setError(api.toIpcError(e)));
    return () => {
      current = false;
    };
  }, []);

  const change = async (wanted: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setOn(await api.set_start_at_login(wanted));
    } catch (e) {
      setError(api.toIpcError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="settings-startup-title">
      <h2 id="settings-startup-title">Starting</h2>
      <label className="check">
        <input
          type="checkbox"
          data-testid="start-at-login"
          checked={on === true}
          disabled={on === null || busy}
          onChange={(e) => void change(e.target.checked)}
        />
        Start Spearmint when I log in
      </label>
      {on === null && error === null && (
        <p className="muted small" role="status">
          Loading…
        </p>
      )}
      <p className="muted small">
        Then the daily refresh and the budget alerts run without opening Spearmint yourself. Closing the window keeps it in
        the tray; Quit there ends it.
      </p>
      {error && (
        <p className="field-error" role="alert" data-testid="start-at-login-error" data-kind={error.kind}>
          {error.message}
        </p>
      )}
    </section>
  );
}
