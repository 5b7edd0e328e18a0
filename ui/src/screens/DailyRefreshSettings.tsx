import { useEffect, useState } from "react";
import * as api from "../api";
import type { DailyRefresh } from "../bindings/DailyRefresh";
import type { IpcError } from "../bindings/IpcError";
import { ErrorBanner } from "../ErrorBanner";

/** A time of day as this machine's locale writes it ("06:12 PM", "18:12"), like the time input. */
function clock(date: Date, locale?: string): string {
  return date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

/** "Tue 06:12 PM": when the daily refresh next starts, on this machine's clock. */
export function nextRunText(daily: DailyRefresh, locale?: string): string {
  const next = new Date(daily.nextRun);
  return `${next.toLocaleDateString(locale, { weekday: "short" })} ${clock(next, locale)}`;
}

/** The chosen `HH:MM` as the locale writes a time of day. */
export function atText(at: string, locale?: string): string {
  const [hours = 0, minutes = 0] = at.split(":").map(Number);
  return clock(new Date(2000, 0, 1, hours, minutes), locale);
}

/** The daily refresh: the time of day the user chose, changeable, and its next run. */
export function DailyRefreshSettings() {
  const [daily, setDaily] = useState<DailyRefresh | null>(null);
  const [at, setAt] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    api.daily_refresh().then(
      (d) => {
        if (!live) return;
        setDaily(d);
        setAt(d.at);
      },
      (e: IpcError) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const d = await api.set_daily_time(at);
      setDaily(d);
      setAt(d.at);
    } catch (e) {
      setError(e as IpcError);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="settings-daily-title" data-testid="daily-refresh">
      <h2 id="settings-daily-title">Daily refresh</h2>
      <form
        className="actions"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          Time of day{" "}
          <input
            type="time"
            data-testid="daily-time"
            value={at}
            required
            disabled={daily === null || saving}
            onChange={(e) => setAt(e.target.value)}
          />
        </label>
        <button type="submit" className="secondary" disabled={daily === null || saving || at === daily.at}>
          {saving ? "Saving…" : "Save"}
        </button>
      </form>
      {daily === null && error === null && (
        <p className="muted small" role="status">
          Loading…
        </p>
      )}
      {daily && (
        <p className="muted small" data-testid="daily-next">
          Next: {nextRunText(daily)}, within {daily.jitterMinutes} minutes of {atText(daily.at)} so that not every Spearmint
          reaches the bank at once. It runs while Spearmint is open or in the tray, for a profile used in the last 30
          days.
        </p>
      )}
      {error && <ErrorBanner error={error} />}
    </section>
  );
}
