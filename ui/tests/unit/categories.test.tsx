// A transaction's category on the Transactions screen: why it was chosen, changing
// it inline (the row is then the user's), "from now on" making a learned rule,
// the keyboard, and the category and month filters.
import { mockIPC } from "@tauri-apps/api/mocks";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import { createFakeVault } from "../fake-vault";
import { FAKE_CATEGORIES, topOf } from "../fake-money";

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
    await waitFor(() => expect(screen.getAllByTestId("transaction-row")).toHaveLength(food.length));
    expect(vault.queries.at(-1)).toMatchObject({ category: "FOOD", subcategories: true });

    fireEvent.change(screen.getByTestId("transactions-month"), { target: { value: "2025-05" } });
    const may = food.filter((t) => t.postedOn.startsWith("2025-05"));
    await waitFor(() => expect(vault.queries.at(-1)).toMatchObject({ since: "2025-05-01", until: "2025-05-31" }));
    await waitFor(() => expect(screen.queryAllByTestId("transaction-row")).toHaveLength(may.length));
  });
});
