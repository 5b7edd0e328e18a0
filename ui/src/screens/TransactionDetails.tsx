// Editing a transaction beyond its category: splitting it into parts that add up
// to it exactly (or undoing the split), and the payee's name and a note. Each
// answers with the row as the engine now has it.
import { useId, useState } from "react";
import * as api from "../api";
import type { Category } from "../bindings/Category";
import type { IpcError } from "../bindings/IpcError";
import type { Transaction } from "../bindings/Transaction";
import { CategoryPicker } from "../CategoryPicker";
import { ErrorBanner } from "../ErrorBanner";
import { formatMoney } from "../money";
import { abs, fromUnits, money, parseAmountInput, toUnits, unitsOf } from "../moneyMath";
import "./transaction-details.css";

type Props = {
  tx: Transaction;
  categories: readonly Category[];
  onClose: () => void;
  onChanged: (row: Transaction, text: string) => void;
};

type Draft = { category: string; amount: string };

/** What is left to share out: the transaction's size less the parts typed so far (null if one is unreadable). */
export function remainder(total: bigint, drafts: readonly Draft[]): bigint | null {
  let sum = 0n;
  for (const d of drafts) {
    if (d.amount.trim() === "") continue;
    const amount = parseAmountInput(d.amount);
    if (amount === null) return null;
    sum += toUnits(amount)!;
  }
  return abs(total) - sum;
}

export function SplitEditor({ tx, categories, onClose, onChanged }: Props) {
  const id = useId();
  const total = unitsOf(tx.amount);
  const negative = total < 0n;
  const currency = tx.amount.currency;
  const [drafts, setDrafts] = useState<Draft[]>(() =>
    tx.parts.length > 0
      ? tx.parts.map((p) => ({ category: p.category, amount: fromUnits(abs(unitsOf(p.amount))) }))
      : [
          { category: tx.category ?? "UNCATEGORIZED", amount: fromUnits(abs(total)) },
          { category: "", amount: "" },
        ],
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const left = remainder(total, drafts);
  const names = new Map(categories.map((c) => [c.id, c.name]));

  const set = (i: number, change: Partial<Draft>) => setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...change } : d)));

  const run = async (work: () => Promise<Transaction>, text: string) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await work(), text);
      onClose();
    } catch (e) {
      setError(api.toIpcError(e));
      setBusy(false);
    }
  };

  const save = () => {
    const filled = drafts.filter((d) => d.category !== "" || d.amount.trim() !== "");
    if (filled.length < 2) return setInvalid("A split needs at least two parts, each with a category and an amount.");
    for (const d of filled) {
      if (d.category === "") return setInvalid("Choose a category for every part.");
      const amount = parseAmountInput(d.amount);
      if (amount === null || toUnits(amount) === 0n) return setInvalid("Type an amount such as 12.50 for every part.");
    }
    if (left !== 0n) {
      return setInvalid(
        left !== null && left > 0n
          ? `${formatMoney(money(left, currency))} is not in any part yet: add it to a part, or add a part for it.`
          : "The parts add up to more than the transaction: lower one of them.",
      );
    }
    setInvalid(null);
    const parts = filled.map((d) => {
      const units = toUnits(parseAmountInput(d.amount)!)!;
      return { category: d.category, amount: money(negative ? -units : units, currency), memo: null };
    });
    void run(
      () => api.split_transaction(tx.id, parts),
      `Split into ${parts.length} parts: ${filled.map((d) => names.get(d.category) ?? d.category).join(", ")}.`,
    );
  };

  return (
    <form
      className="split-editor"
      data-testid="split-editor"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <p className="small muted">
        Share {formatMoney({ amount: fromUnits(abs(total)), currency })} out between categories; the parts must add up to it exactly.
      </p>
      <ol className="split-parts">
        {drafts.map((d, i) => (
          <li key={i} data-testid="split-part">
            <label className="visually-hidden" htmlFor={`${id}-c${i}`}>
              Category of part {i + 1}
            </label>
            <CategoryPicker
              id={`${id}-c${i}`}
              testId={`split-category-${i}`}
              categories={categories}
              value={d.category}
              any="Choose a category"
              onChange={(c) => set(i, { category: c })}
            />
            <label className="visually-hidden" htmlFor={`${id}-a${i}`}>
              Amount of part {i + 1} ({currency})
            </label>
            <input
              id={`${id}-a${i}`}
              data-testid={`split-amount-${i}`}
              inputMode="decimal"
              autoComplete="off"
              value={d.amount}
              placeholder="0.00"
              onChange={(e) => set(i, { amount: e.target.value })}
            />
            {drafts.length > 2 && (
              <button type="button" className="text-button" onClick={() => setDrafts(drafts.filter((_, j) => j !== i))}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ol>
      <p className="small" data-testid="split-left" aria-live="polite">
        {left === null
          ? "One of the amounts cannot be read: type it like 12.50."
          : left === 0n
            ? "The parts add up exactly."
            : left > 0n
              ? `Left to share out: ${formatMoney(money(left, currency))}`
              : `Over by ${formatMoney(money(-left, currency))}`}
      </p>
      {invalid && <p className="field-error">{invalid}</p>}
      {error && <ErrorBanner error={error} />}
      <div className="actions">
        <button type="submit" className="primary" data-testid="split-save" disabled={busy}>
          {busy ? "Saving…" : "Save the split"}
        </button>
        <button type="button" className="secondary" data-testid="split-add" disabled={busy} onClick={() => setDrafts([...drafts, { category: "", amount: "" }])}>
          Add a part
        </button>
        {tx.parts.length > 0 && (
          <button
            type="button"
            className="secondary"
            data-testid="split-undo"
            disabled={busy}
            onClick={() => void run(() => api.unsplit_transaction(tx.id), "The split is undone: the transaction counts whole again.")}
          >
            Undo the split
          </button>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function PayeeEditor({ tx, onClose, onChanged }: Omit<Props, "categories">) {
  const id = useId();
  const [payee, setPayee] = useState(tx.payee ?? "");
  const [note, setNote] = useState(tx.note ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const row = await api.set_payee(tx.id, payee.trim() === "" ? null : payee, note.trim() === "" ? null : note);
      onChanged(row, `Saved: ${row.name}${row.note ? `, with your note` : ""}.`);
      onClose();
    } catch (e) {
      setError(api.toIpcError(e));
      setBusy(false);
    }
  };

  return (
    <form
      className="payee-editor"
      data-testid="payee-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-payee`}>Show the payee as</label>
        <input id={`${id}-payee`} data-testid="payee-input" autoComplete="off" value={payee} placeholder={tx.name} onChange={(e) => setPayee(e.target.value)} />
        <p className="field-hint">Leave it empty to show the seller's own name. The bank wrote: {tx.seller}</p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`}>Note</label>
        <input id={`${id}-note`} data-testid="note-input" autoComplete="off" value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      {error && <ErrorBanner error={error} />}
      <div className="actions">
        <button type="submit" className="primary" data-testid="payee-save" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
