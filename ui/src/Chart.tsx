// Bar charts through Chart.js, drawn on a canvas (nothing inline for the strict
// CSP to refuse). A chart is a picture of numbers a table beside it gives as
// text: the canvas is aria-hidden and the table is what screen readers read.
// Colours come from the theme's CSS variables, read again when the theme flips.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { useEffect, useRef, useState } from "react";
import { THEME_EVENT } from "./theme";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export type BarSeries = { label: string; values: number[] };

type Props = {
  labels: string[];
  series: BarSeries[];
  /** Bars across (one series, category names are long) or stacked columns (a trend). */
  layout: "horizontal" | "stacked";
  /** How a value reads in a tooltip: the exact amount, never the drawn number. */
  tooltip: (series: number, index: number) => string;
  testId: string;
};

/** Distinct hues that read on light and dark surfaces alike. */
const PALETTE = ["#1a8f69", "#2f7de1", "#d9822b", "#8e5bd8", "#d14d72", "#2aa5b8", "#9a8a1f", "#6b7f76", "#c0462f", "#4c9a2a"];

function themeColours() {
  const style = getComputedStyle(document.documentElement);
  return {
    ink: style.getPropertyValue("--muted").trim() || "#56665f",
    line: style.getPropertyValue("--line").trim() || "#dce6e1",
  };
}

/** Bumped whenever the colours may have changed: the system's scheme, or the theme chosen in Settings. */
function useThemeChanges(): number {
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    const query = typeof window.matchMedia === "function" ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    const follow = () => setChanges((n) => n + 1);
    query?.addEventListener("change", follow);
    window.addEventListener(THEME_EVENT, follow);
    return () => {
      query?.removeEventListener("change", follow);
      window.removeEventListener(THEME_EVENT, follow);
    };
  }, []);
  return changes;
}

export function BarChart({ labels, series, layout, tooltip, testId }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const themeChanges = useThemeChanges();
  const tip = useRef(tooltip);
  tip.current = tooltip;

  useEffect(() => {
    const element = canvas.current;
    // No 2D context (a test's DOM): the table beside the chart still says everything.
    if (element === null || element.getContext("2d") === null) return;
    const { ink, line } = themeColours();
    const horizontal = layout === "horizontal";
    const config: ChartConfiguration<"bar"> = {
      type: "bar",
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.values,
          backgroundColor: horizontal ? PALETTE.slice(0, Math.max(1, s.values.length)) : PALETTE[i % PALETTE.length],
          borderRadius: 3,
        })),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: !horizontal, labels: { color: ink, boxWidth: 12 } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ""}: ${tip.current(item.datasetIndex, item.dataIndex)}` } },
        },
        scales: {
          x: { stacked: !horizontal, ticks: { color: ink }, grid: { color: line } },
          y: { stacked: !horizontal, ticks: { color: ink }, grid: { color: line } },
        },
      },
    };
    const chart = new Chart(element, config);
    return () => chart.destroy();
  }, [labels, series, layout, themeChanges]);

  const height = layout === "horizontal" ? Math.max(120, 34 * labels.length + 40) : 280;
  return (
    <div className="chart" data-testid={testId} data-bars={labels.length} style={{ height }}>
      <canvas ref={canvas} aria-hidden="true" />
    </div>
  );
}
