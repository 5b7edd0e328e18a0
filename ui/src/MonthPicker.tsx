// A month: the one before, the one after, or any month typed or picked.
import { useId } from "react";
import { isMonth, monthLabel, shiftMonth } from "./spending";

type Props = { month: string; onChange: (month: string) => void; latest?: string | undefined };

export function MonthPicker({ month, onChange, latest }: Props) {
  const id = useId();
  const atLatest = latest !== undefined && month >= latest;
  return (
    <div className="month-picker" role="group" aria-label="Month" data-testid="month-picker">
      <button type="button" className="secondary" data-testid="month-prev" aria-label="Previous month" onClick={() => onChange(shiftMonth(month, -1))}>
        ‹
      </button>
      <label htmlFor={id} className="visually-hidden">
        Month
      </label>
      <input
        id={id}
        type="month"
        data-testid="month-input"
        value={month}
        max={latest}
        onChange={(e) => {
          if (isMonth(e.target.value)) onChange(e.target.value);
        }}
      />
      <span className="month-name" data-testid="month-name" aria-live="polite">
        {monthLabel(month)}
      </span>
      <button
        type="button"
        className="secondary"
        data-testid="month-next"
        aria-label="Next month"
        disabled={atLatest}
        onClick={() => onChange(shiftMonth(month, 1))}
      >
        ›
      </button>
    </div>
  );
}
