// Pieces the Overview, Accounts and Transactions screens share.
import { ErrorBanner } from "./ErrorBanner";
import type { Progress } from "./bindings/Progress";
import type { ProviderKind } from "./bindings/ProviderKind";
import type { RefreshState } from "./ledger";
import { accountsText, progressText } from "./ledger";
import { formatCount, outcomeErrorTitle, providerNote, summaryText } from "./ledgerText";
import { screenHref } from "./navigation";

/** How far along the bar is: connections done, plus part of the current one. */
export function progressValue(progress: Progress): number {
  const within = progress.phase === "fetching" ? 0.15 : progress.phase === "saving" ? 0.6 : 0;
  return Math.min(progress.total, progress.done + within);
}

export function RefreshProgress({ refresh }: { refresh: RefreshState }) {
  const { progress, firstRun } = refresh;
  const text = progress === null && firstRun ? "Linking the demo bank…" : progressText(progress, formatCount);
  return (
    <section className="card progress-card" data-testid="refresh-progress" aria-labelledby="refresh-progress-title">
      <h2 id="refresh-progress-title">{firstRun ? "Setting up the demo bank" : "Refreshing your accounts"}</h2>
      <p role="status" className="progress-text">
        {text}
      </p>
      {progress !== null && progress.total > 0 ? (
        <progress
          className="progress-bar"
          max={progress.total}
          value={progressValue(progress)}
          aria-label="Refresh progress"
          aria-valuetext={[`${progress.done} of ${progress.total} connections done`, accountsText(progress)]
            .filter(Boolean)
            .join(", ")}
        />
      ) : (
        <progress className="progress-bar" aria-label="Refresh progress" />
      )}
      {accountsText(progress) !== "" && (
        <p className="muted small" data-testid="refresh-accounts">
          {accountsText(progress)}
        </p>
      )}
      {firstRun && (
        <p className="muted small">
          Spearmint links a built-in demo bank on first run, so you can look around before connecting a real one.
        </p>
      )}
    </section>
  );
}

export function RefreshOutcome({ refresh }: { refresh: RefreshState }) {
  if (refresh.running) return null;
  if (refresh.error) {
    return (
      <section className="outcome" data-testid="refresh-outcome" aria-label="Last refresh">
        <ErrorBanner error={refresh.error} />
      </section>
    );
  }
  const report = refresh.report;
  if (report === null) return null;
  return (
    <section className="card" data-testid="refresh-outcome" aria-labelledby="outcome-title">
      <h2 id="outcome-title">Last refresh</h2>
      {report.outcomes.length === 0 ? (
        <p className="muted">No connections to refresh.</p>
      ) : (
        <ul className="outcomes">
          {report.outcomes.map((outcome, i) => (
            <li
              key={`${outcome.connection}-${i}`}
              className={outcome.error ? "outcome-failed" : "outcome-ok"}
              data-kind={outcome.error?.kind ?? "ok"}
            >
              <span className="outcome-name">
                {outcome.connection} <ProviderNote label={outcome.connection} provider={outcome.provider} />
              </span>
              {outcome.error ? (
                <span>
                  <strong className="outcome-error-title">{outcomeErrorTitle(outcome.error.kind)}.</strong>{" "}
                  {outcome.error.message}
                </span>
              ) : (
                <span>{outcome.summary ? summaryText(outcome.summary) : "No changes"}</span>
              )}
              {outcome.warnings.length > 0 && (
                <ul className="warnings small">
                  {outcome.warnings.map((w, j) => (
                    <li key={j}>{w}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ProviderNote({ label, provider }: { label: string; provider: ProviderKind }) {
  const note = providerNote(label, provider);
  return note === null ? null : <span className="subtle small">· {note}</span>;
}

/** Says plainly that the demo bank's data is generated. */
export function DemoNote() {
  return (
    <p className="demo-note" data-testid="demo-note">
      <strong>Demo bank.</strong> These accounts and transactions are generated inside Spearmint for trying it out.
      They are not real, and no bank was contacted to get them.
    </p>
  );
}

export function NeedsUnlock({ what }: { what: string }) {
  return (
    <section className="card">
      <p className="muted">
        The vault is not open. <a href={screenHref("overview")}>Open it on the Overview</a> to see {what}.
      </p>
    </section>
  );
}
