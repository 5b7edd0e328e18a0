// A transaction's category on the Transactions screen: why it was chosen, changing
// it inline (the row is then the user's), "from now on" making a learned rule,
// the keyboard (also past the rows the virtualized list has rendered), and the
// category and month filters.
import { mockIPC } from "@tauri-apps/api/mocks";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import { createFakeVault } from "../fake-vault";
import { FAKE_CATEGORIES, topOf } from "../fake-money";
import { fromUnits, toUnits } from "../../src/moneyMath";

function start() {
  const vault = createFakeVault({ vault: "keychain", linked: true, demoTransactions: 60 });
  mockIPC((command, args) => vault.handle(command, args));
  render(<App />);
  return { vault, user: userEvent.setup() };
}

async function go(screenId: string) {
  await act(async () => {
    window.location.hash = `#/${screenId}`;
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
}

/** The list's own count of the rows it has loaded. */
const shown = () => screen.getByTestId("transactions-count").textContent;

/** Scrolls the list (jsdom has no layout: rows sit at their estimated height). */
async function scrollTo(top: number) {
  const scroller = screen.getByTestId("transactions-scroll");
  await act(async () => {
    scroller.scrollTop = top;
    fireEvent.scroll(scroller);
  });
}

/** The ids of every loaded row, newest first, read by scrolling the list from top to bottom. */
async function scrollThrough(): Promise<string[]> {
  const loaded = Number(screen.getByTestId("transactions-table").dataset.loaded);
  const seen = new Map<number, string>();
  for (let top = 0; seen.size < loaded && top <= loaded * 50; top += 400) {
    await scrollTo(top);
    for (const row of screen.getAllByTestId("transaction-row")) {
      seen.set(Number(row.closest<HTMLElement>("[data-index]")?.dataset.index), row.dataset.id!);
    }
  }
  await scrollTo(0);
  return [...seen.entries()].sort(([a], [b]) => a - b).map(([, id]) => id);
}

const nameOf = (id: string | null) => FAKE_CATEGORIES.find((c) => c.id === (id ?? "UNCATEGORIZED"))!.name;

describe("A transaction's category", () => {
  it("says where it came from, and changes inline with 'from now on' making a learned rule", async () => {
    const { vault, user } = start();
    await go("transactions");
    const first = (await screen.findAllByTestId("transaction-row"))[0]!;
    const tx = vault.transactions().find((t) => t.id === first.dataset.id)!;
    await waitFor(() => expect(within(first).getByTestId("category-button").textContent).toBe(nameOf(tx.category)));

    await user.click(within(first).getByTestId("category-why"));
    expect(within(first).getByTestId("category-reason").textContent).toBe(
      tx.categorySource === "dictionary" ? "Spearmint's seller dictionary" : "Nothing matched: no rule, dictionary entry or word",
    );
    // The list shows the seller's name; the bank's own words are one click away.
    expect(first.querySelector(".seller")?.textContent).toBe(tx.payee ?? tx.seller);
    expect(within(first).getByTestId("descriptor").textContent).toBe(`The bank wrote: ${tx.seller}`);

    await user.click(within(first).getByTestId("category-button"));
    const editor = await screen.findByTestId("category-editor");
    const target = tx.category === "FOOD_COFFEE" ? "SHOPPING_HOME" : "FOOD_COFFEE";
    await user.selectOptions(within(editor).getByTestId("category-select"), target);
    await user.click(within(editor).getByTestId("category-from-now-on"));
    await user.click(within(editor).getByTestId("category-save"));

    await waitFor(() => expect(screen.queryByTestId("category-editor")).toBeNull());
    expect(within(first).getByTestId("category-button").textContent).toBe(nameOf(target));
    expect(first.textContent).toContain("yours");
    expect(screen.getByTestId("category-status").textContent).toMatch(/from now on: the rule is on the Rules screen/);
    // The engine's view agrees: the row is the user's, and a learned rule names its seller.
    const saved = vault.transactions().find((t) => t.id === tx.id)!;
    expect([saved.category, saved.categorySource, saved.categoryLocked]).toEqual([target, "user", true]);
    const rules = vault.handle("list_rules", {}) as Array<{ origin: string; actions: { category: string } }>;
    expect(rules.filter((r) => r.origin === "learned").map((r) => r.actions.category)).toEqual([target]);

    await go("rules");
    expect(await screen.findByTestId("rule-learned")).toBeTruthy();
  });

  it("without 'from now on' changes only the row, and Escape cancels", async () => {
    const { vault, user } = start();
    await go("transactions");
    const rows = await screen.findAllByTestId("transaction-row");
    await user.click(within(rows[1]!).getByTestId("category-button"));
    fireEvent.keyDown(await screen.findByTestId("category-select"), { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("category-editor")).toBeNull());
    expect(vault.calls).not.toContain("set_category");

    await user.click(within(rows[1]!).getByTestId("category-button"));
    await user.selectOptions(screen.getByTestId("category-select"), "HEALTH_GYM");
    await user.click(screen.getByTestId("category-save"));
    await waitFor(() => expect(screen.getByTestId("category-status").textContent).toBe("Filed under Gym. Nothing automatic will change it again."));
    expect(vault.handle("list_rules", {})).toEqual([]);
  });

  it("moves between rows with the arrows and opens one with Enter", async () => {
    start();
    await go("transactions");
    const rows = await screen.findAllByTestId("transaction-row");
    rows[0]!.focus();
    fireEvent.keyDown(rows[0]!, { key: "ArrowDown" });
    expect(document.activeElement).toBe(rows[1]);
    fireEvent.keyDown(rows[1]!, { key: "ArrowUp" });
    expect(document.activeElement).toBe(rows[0]);
    fireEvent.keyDown(rows[0]!, { key: "Enter" });
    expect(await screen.findByTestId("category-editor")).toBeTruthy();
  });

  it("filters the list by category (with its subcategories) and by month", async () => {
    const { vault, user } = start();
    await go("transactions");
    await screen.findAllByTestId("transaction-row");
    await user.selectOptions(screen.getByTestId("transactions-category"), "FOOD");
    const food = vault.transactions().filter((t) => topOf(t.category ?? "") === "FOOD");
    await waitFor(() => expect(shown()).toBe(`All ${food.length} matching transactions shown`));
    expect(await scrollThrough()).toEqual(food.map((t) => t.id));
    expect(vault.queries.at(-1)).toMatchObject({ category: "FOOD", subcategories: true });

    fireEvent.change(screen.getByTestId("transactions-month"), { target: { value: "2025-05" } });
    const may = food.filter((t) => t.postedOn.startsWith("2025-05"));
    expect(may.length).toBeGreaterThan(0);
    await waitFor(() => expect(vault.queries.at(-1)).toMatchObject({ since: "2025-05-01", until: "2025-05-31" }));
    await waitFor(() => expect(shown()).toBe(`All ${may.length} matching transactions shown`));
    expect(await scrollThrough()).toEqual(may.map((t) => t.id));
  });
});

describe("The virtualized list", () => {
  it("renders a window of the rows, and ArrowDown on the last one rendered brings the next into view", async () => {
    const { vault } = start();
    await go("transactions");
    await screen.findAllByTestId("transaction-row");
    expect(screen.getByTestId("transactions-table").dataset.loaded).toBe("60");
    const rows = screen.getAllByTestId("transaction-row");
    expect(rows.length).toBeLessThan(60);
    const ids = vault.transactions().map((t) => t.id);
    expect(rows.map((r) => r.dataset.id)).toEqual(ids.slice(0, rows.length));

    const last = rows.at(-1)!;
    last.focus();
    fireEvent.keyDown(last, { key: "ArrowDown" });
    const next = ids[rows.length]!;
    const focused = document.activeElement as HTMLElement;
    expect(focused.dataset.id).toBe(next);
    expect(focused.dataset.testid).toBe("transaction-row");
    fireEvent.keyDown(focused, { key: "ArrowUp" });
    expect(document.activeElement).toBe(last);
  });

  it("keeps the row being edited, and the focused row, in the DOM when they scroll out of view", async () => {
    const { vault, user } = start();
    await go("transactions");
    const first = (await screen.findAllByTestId("transaction-row"))[0]!;
    const second = screen.getAllByTestId("transaction-row")[1]!;
    await user.click(within(first).getByTestId("category-button"));
    expect(await screen.findByTestId("category-editor")).toBeTruthy();
    second.focus();
    await scrollTo(60 * 41);
    const ids = vault.transactions().map((t) => t.id);
    const rendered = screen.getAllByTestId("transaction-row").map((r) => r.dataset.id);
    // The end of the list, and the two pinned rows above it.
    expect(rendered).toContain(ids.at(-1));
    expect(rendered.slice(0, 2)).toEqual(ids.slice(0, 2));
    expect(rendered).not.toContain(ids[2]);
    expect(screen.getByTestId("category-editor")).toBeTruthy();
    expect(document.activeElement).toBe(second);

    // Closed and unfocused, the rows scrolled away leave the DOM.
    fireEvent.keyDown(screen.getByTestId("category-select"), { key: "Escape" });
    screen.getByTestId("transactions-search").focus();
    await scrollTo(60 * 41 - 1);
    expect(screen.getAllByTestId("transaction-row").map((r) => r.dataset.id)).not.toContain(ids[0]);
    expect(screen.getAllByTestId("transaction-row").map((r) => r.dataset.id)).not.toContain(ids[1]);
  });
});

describe("Editing a row beyond its category", () => {
  it("splits it from the row's editor, marks it split, and names its payee with a note", async () => {
    const { vault, user } = start();
    await go("transactions");
    const row = (await screen.findAllByTestId("transaction-row")).find((r) =>
      vault.transactions().find((t) => t.id === r.dataset.id)?.amount.amount.startsWith("-"),
    )!;
    const id = row.dataset.id!;
    const tx = vault.transactions().find((t) => t.id === id)!;
    await user.click(within(row).getByTestId("category-button"));
    await user.click(await screen.findByTestId("editor-tab-split"));
    const whole = toUnits(tx.amount.amount.replace("-", ""))!;
    await user.clear(screen.getByTestId("split-amount-0"));
    await user.type(screen.getByTestId("split-amount-0"), fromUnits(whole - toUnits("0.50")!));
    await user.selectOptions(screen.getByTestId("split-category-1"), "SHOPPING_HOME");
    await user.type(screen.getByTestId("split-amount-1"), "0.50");
    await user.click(screen.getByTestId("split-save"));
    await waitFor(() => expect(screen.queryByTestId("split-editor")).toBeNull());
    const shown = () => screen.getAllByTestId("transaction-row").find((r) => r.dataset.id === id)!;
    expect(within(shown()).getByTestId("split-badge").textContent).toBe("split in 2");
    expect(screen.getByTestId("category-status").textContent).toMatch(/^Split into 2 parts: .*Home Goods\.$/);
    expect(vault.transactions().find((t) => t.id === id)!.parts.map((p) => p.amount.amount)).toEqual([
      `-${fromUnits(whole - toUnits("0.50")!)}`,
      "-0.50",
    ]);

    // Opened again it starts on the split, and the name and note go in their own tab.
    await user.click(within(shown()).getByTestId("category-button"));
    expect(await screen.findByTestId("split-editor")).toBeTruthy();
    await user.click(screen.getByTestId("editor-tab-payee"));
    await user.type(screen.getByTestId("payee-input"), "Hardware store");
    await user.type(screen.getByTestId("note-input"), "shelves");
    await user.click(screen.getByTestId("payee-save"));
    await waitFor(() => expect(shown().querySelector(".seller")?.textContent).toBe("Hardware store"));
    expect(within(shown()).getByTestId("note").textContent).toBe("Note: shelves");
  });
});

describe("Filtering by amount", () => {
  it("lists only amounts between the bounds, both included, and says when a bound cannot be read", async () => {
    const { vault, user } = start();
    await go("transactions");
    await screen.findAllByTestId("transaction-row");
    await user.type(screen.getByTestId("transactions-min"), "-50");
    await user.type(screen.getByTestId("transactions-max"), "-20.00");
    await waitFor(() =>
      expect(vault.queries.at(-1)).toMatchObject({
        minAmount: { amount: "-50", currency: "USD" },
        maxAmount: { amount: "-20.00", currency: "USD" },
      }),
    );
    const cents = (t: { amount: { amount: string } }) => Number(toUnits(t.amount.amount)! / 100n);
    const expected = vault.transactions().filter((t) => cents(t) >= -5_000 && cents(t) <= -2_000);
    await waitFor(() => expect(screen.getByTestId("transactions-table").dataset.loaded).toBe(String(expected.length)));
    for (const row of screen.getAllByTestId("transaction-row")) {
      const t = vault.transactions().find((x) => x.id === row.dataset.id)!;
      expect(cents(t) >= -5_000 && cents(t) <= -2_000).toBe(true);
    }

    await user.clear(screen.getByTestId("transactions-min"));
    await user.type(screen.getByTestId("transactions-min"), "lots");
    expect(screen.getByTestId("transactions-min").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Type an amount such as -50 or 12.50; money out is negative.")).toBeTruthy();
    await waitFor(() => expect(vault.queries.at(-1)?.minAmount).toBeNull());
  });

  it("marks a move between one's own accounts as a transfer", async () => {
    const { vault } = start();
    await go("transactions");
    const rows = await screen.findAllByTestId("transaction-row");
    for (const row of rows) {
      const t = vault.transactions().find((x) => x.id === row.dataset.id)!;
      expect(within(row).queryByTestId("transfer-badge") !== null).toBe(t.category === "TRANSFER");
    }
    expect(rows.some((r) => within(r).queryByTestId("transfer-badge") !== null)).toBe(true);
  });
});
