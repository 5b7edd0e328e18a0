// When a budget raises an alert: whole percentages of it (80 and 100: when it is
// 80% used, and again when it is all used), for every budget. The budget report
// says which apply today; set_budget_thresholds(list, null) changes them.
import { useEffect, useId, useState } from "react";
import * as api from "../api";
import type { BudgetLine } from "../bindings/BudgetLine";
import type { IpcError } from "../bindings/IpcError";
import { ErrorBanner } from "../ErrorBanner";

/** What the engine uses when nothing else is known. */
export const DEFAULT_THRESHOLDS: readonly number[] = [80, 100];
export const MAX_THRESHOLD = 1000;

export type ParsedThresholds = { ok: true; list: number[] } | { ok: false; message: string };

/**
 * "80, 100" (or "80 100", "80%, 100%") → [80, 100], sorted, each once; or what is wrong,
 * in words that say what to type instead.
 */
export function parseThresholds(text: string): ParsedThresholds {
  const parts = text
    .split(/[\s,;]+/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) {
    return { ok: false, message: "Type at least one percentage, such as 80." };
  }
  const list: number[] = [];
  for (const part of parts) {
    const digits = part.replace(/%$/, "");
    if (!/^\d+$/.test(digits)) {
      return {
        ok: false,
        message: `“${part}” is not a whole number. Type whole percentages such as 80 or 100, separated by commas.`,
      };
    }
    const n = Number(digits);
    if (n < 1 || n > MAX_THRESHOLD) {
      return {
        ok: false,
        message: `${n}% is outside 1 to ${MAX_THRESHOLD}. Use whole percentages from 1 to ${MAX_THRESHOLD}: 100 is the whole budget.`,
      };
    }
    if (!list.includes(n)) list.push(n);
  }
  return { ok: true, list: list.sort((a, b) => a - b) };
}

/** [80, 100] → "80% and 100%", in the user's language. */
export function thresholdsText(list: readonly number[], locale?: string): string {
  return new Intl.ListFormat(locale, { style: "long", type: "conjunction" }).format(list.map((n) => `${n}%`));
}

const keyOf = (list: readonly number[]) => list.join(",");

/**
 * The thresholds most budgets use: those that apply to all budgets but the few given
 * their own. The engine's default with no budget at all.
 */
export function sharedThresholds(lines: readonly BudgetLine[]): number[] {
  const counts = new Map<string, { list: number[]; n: number }>();
  for (const line of lines) {
    if (line.thresholds.length === 0) continue;
    const key = keyOf(line.thresholds);
    const entry = counts.get(key) ?? { list: [...line.thresholds], n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  let best: { list: number[]; n: number } | null = null;
  for (const entry of counts.values()) if (best === null || entry.n > best.n) best = entry;
  return best?.list ?? [...DEFAULT_THRESHOLDS];
}

export function ThresholdSettings() {
  const id = useId();
  const [saved, setSaved] = useState<number[] | null>(null);
  const [own, setOwn] = useState<BudgetLine[]>([]);
  const [text, setText] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.budget(null).then(
      (report) => {
        if (!live) return;
        const shared = sharedThresholds(report.lines);
        setSaved(shared);
        setText(shared.join(", "));
        setOwn(report.lines.filter((l) => l.thresholds.length > 0 && keyOf(l.thresholds) !== keyOf(shared)));
      },
      (e: unknown) => live && setError(api.toIpcError(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  const parsed = parseThresholds(text);
  const unchanged = saved !== null && parsed.ok && keyOf(parsed.list) === keyOf(saved);

  const submit = async () => {
    setDone(null);
    if (!parsed.ok) {
      setInvalid(parsed.message);
      return;
    }
    setInvalid(null);
    setError(null);
    setBusy(true);
    try {
      await api.set_budget_thresholds(parsed.list, null);
      setSaved(parsed.list);
      setText(parsed.list.join(", "));
      setDone(`Saved. Spearmint alerts you when a budget reaches ${thresholdsText(parsed.list)} of its amount.`);
    } catch (e) {
      setError(api.toIpcError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="thresholds">
      <h2 id={`${id}-title`}>Budget alerts</h2>
      <form
        className="thresholds-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-input`}>Alert me when a budget reaches (percent)</label>
          <input
            id={`${id}-input`}
            data-testid="thresholds-input"
            autoComplete="off"
            spellCheck={false}
            value={text}
            disabled={saved === null}
            aria-invalid={invalid !== null}
            aria-describedby={`${id}-hint${invalid ? ` ${id}-error` : ""}`}
            onChange={(e) => {
              setText(e.target.value);
              setInvalid(null);
              setDone(null);
            }}
          />
          {invalid && (
            <p className="field-error" id={`${id}-error`} data-testid="thresholds-error">
              {invalid}
            </p>
          )}
          <p className="field-hint" id={`${id}-hint`}>
            Whole percentages of a budget from 1 to {MAX_THRESHOLD}, separated by commas. With 80, 100 Spearmint alerts you when a
            budget is 80% used and again when it is all used; its bar turns amber from the first.
          </p>
        </div>
        {saved === null && error === null && (
          <p className="muted small" role="status">
            Loading…
          </p>
        )}
        <div className="actions">
          <button type="submit" className="secondary" data-testid="thresholds-save" disabled={saved === null || busy || unchanged}>
            {busy ? "Setting…" : "Set thresholds"}
          </button>
        </div>
      </form>
      {own.length > 0 && (
        <p className="muted small" data-testid="thresholds-own">
          {own.map((l) => `${l.name} (${thresholdsText(l.thresholds)})`).join("; ")}{" "}
          {own.length === 1 ? "has thresholds of its own, and keeps them." : "have thresholds of their own, and keep them."}
        </p>
      )}
      <p className="small" role="status" data-testid="thresholds-status">
        {done}
      </p>
      {error && <ErrorBanner error={error} />}
    </section>
  );
}
