import { mockIPC } from "@tauri-apps/api/mocks";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import type { Rule } from "../../src/bindings/Rule";
import type { RuleChange } from "../../src/bindings/RuleChange";
import { formatMoney } from "../../src/money";
import { actionsText, conditionsText, conditionText, isAbove } from "../../src/screens/Rules";
import { createFakeVault, type FakeVault } from "../fake-vault";
import { FAKE_CATEGORIES } from "../fake-money";

type Call = { command: string; args: unknown };

/** The app on an unlocked vault with the demo bank's data; every command and its arguments are kept. */
async function start(setup: (vault: FakeVault) => void = () => undefined) {
  const vault = createFakeVault({ vault: "keychain", linked: true });
  const seen: Call[] = [];
  mockIPC((command, args) => {
    seen.push({ command, args });
    return vault.handle(command, args);
  });
  render(<App />);
  await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
  setup(vault);
  const user = userEvent.setup();
  await user.click(screen.getByTestId("nav-rules"));
  return { vault, user, seen };
}

async function go(screenId: string) {
  await act(async () => {
    window.location.hash = `#/${screenId}`;
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
}

const rulesOf = (vault: FakeVault) => vault.handle("list_rules", {}) as Rule[];
const callsOf = (seen: Call[], command: string) => seen.filter((c) => c.command === command);

/** A transaction of the demo bank whose seller is `seller`. */
function rowOf(vault: FakeVault, seller: string) {
  const row = vault.transactions().find((t) => t.seller === seller);
  if (row === undefined) throw new Error(`no ${seller} in the demo bank`);
  return row;
}

const USD = (amount: string) => ({ amount, currency: "USD" });

describe("Rules in words", () => {
  it("writes conditions and actions as sentences, with category names", () => {
    expect(conditionText({ payee_is: "blue bottle" })).toBe("Payee is “blue bottle”");
    expect(conditionText({ payee_contains: "coffee" })).toBe("Payee contains “coffee”");
    expect(conditionText({ payee_matches: "^sq \\*" })).toBe("Payee matches “^sq \\*”");
    expect(conditionText({ amount_between: { min: USD("-20.00"), max: USD("-5.00") } })).toBe(
      `Amount between ${formatMoney(USD("-20.00"))} and ${formatMoney(USD("-5.00"))}`,
    );
    expect(conditionText({ amount_between: { min: null, max: USD("100") } })).toBe(`Amount at most ${formatMoney(USD("100"))}`);
    expect(conditionText({ account: "acc-card" }, [])).toBe("Account is acc-card");
    expect(conditionsText([{ payee_contains: "café" }, { amount_between: { min: USD("-9.99"), max: null } }])).toBe(
      `Payee contains “café” and amount at least ${formatMoney(USD("-9.99"))}`,
    );
    expect(actionsText({ category: "FOOD_COFFEE", rename: "Blue Bottle" }, FAKE_CATEGORIES)).toBe(
      "set the category to Coffee Shops and show the payee as “Blue Bottle”",
    );
    expect(actionsText({ category: null, rename: "Blue Bottle" }, FAKE_CATEGORIES)).toBe("show the payee as “Blue Bottle”");
  });

  it("compares amounts exactly, as strings of digits", () => {
    expect(isAbove("-5", "-50.00")).toBe(true);
    expect(isAbove("-50.00", "-5")).toBe(false);
    expect(isAbove("12345678901234567.89", "12345678901234567.88")).toBe(true);
    expect(isAbove("0.1", "0.10")).toBe(false);
  });
});

describe("Rules screen", () => {
  it("says what rules are when there is none", async () => {
    await start();
    const empty = await screen.findByTestId("rules-empty");
    expect(empty.textContent).toContain("picks a category");
    expect(empty.textContent).toContain("from now on");
    expect(within(empty).getByRole("link", { name: "Transactions" }).getAttribute("href")).toBe("#/transactions");
    expect(screen.queryByTestId("rules-list")).toBeNull();
  });

  it("lists the user's rules first, then the learned ones, in words with category names", async () => {
    await start((vault) => {
      // Learned first (rule-1), the user's own after (rule-2): the list still shows the user's first.
      vault.handle("set_category", { transaction: rowOf(vault, "Corner Café").id, category: "FOOD_RESTAURANTS", fromNowOn: true });
      vault.handle("add_rule", {
        conditions: [{ payee_contains: "grocer" }, { amount_between: { min: USD("-50.00"), max: null } }],
        actions: { category: "FOOD_GROCERIES", rename: "Green Grocer" },
      });
    });
    const list = await screen.findByTestId("rules-list");
    const rows = [...list.querySelectorAll(":scope > li")].map((li) => li.getAttribute("data-testid"));
    expect(rows).toEqual(["rule-rule-2", "rule-rule-1"]);

    const mine = screen.getByTestId("rule-rule-2");
    expect(mine.textContent).toContain(`Payee contains “grocer” and amount at least ${formatMoney(USD("-50.00"))}`);
    expect(mine.textContent).toContain("set the category to Groceries and show the payee as “Green Grocer”");
    expect(within(mine).queryByText("Learned from you")).toBeNull();
    expect(screen.getByTestId("rule-state-rule-2").textContent).toBe("On");

    const learned = screen.getByTestId("rule-rule-1");
    expect(learned.textContent).toContain("Payee is “corner café”");
    expect(learned.textContent).toContain("set the category to Restaurants");
    expect(learned.textContent).not.toContain("FOOD_RESTAURANTS");
    expect(within(learned).getByText("Learned from you")).toBeTruthy();
  });

  it("adds a rule: plain-words checks first, then the engine's refusal, then the rule", async () => {
    const { vault, user, seen } = await start();
    await screen.findByTestId("rules-empty");
    const form = screen.getByTestId("rule-add");

    // Nothing typed: two problems, and nothing reaches the engine.
    await user.click(screen.getByTestId("rule-save"));
    expect(screen.getByTestId("rule-value-error").textContent).toContain("Type the payee's name");
    expect(screen.getByTestId("rule-action-error").textContent).toContain("Choose a category, or type a name");
    expect(screen.getByTestId("rule-condition-value").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(screen.getByTestId("rule-condition-value"));

    // Amounts that are not amounts, then the wrong way round.
    await user.type(screen.getByTestId("rule-condition-value"), "bookshop");
    await user.type(screen.getByTestId("rule-amount-min"), "-10.999");
    await user.type(screen.getByTestId("rule-amount-max"), "five");
    await user.selectOptions(screen.getByTestId("rule-category"), "SHOPPING");
    await user.click(screen.getByTestId("rule-save"));
    expect(screen.queryByTestId("rule-value-error")).toBeNull();
    expect(screen.queryByTestId("rule-action-error")).toBeNull();
    expect(screen.getByTestId("rule-min-error").textContent).toContain("-25.00");
    expect(screen.getByTestId("rule-max-error").textContent).toContain("leave it empty");

    await user.clear(screen.getByTestId("rule-amount-min"));
    await user.type(screen.getByTestId("rule-amount-min"), "-5");
    await user.clear(screen.getByTestId("rule-amount-max"));
    await user.type(screen.getByTestId("rule-amount-max"), "-50.00");
    await user.click(screen.getByTestId("rule-save"));
    expect(screen.getByTestId("rule-min-error").textContent).toContain("swap them");
    expect(callsOf(seen, "add_rule")).toHaveLength(0);

    // A pattern the engine cannot read: its message, as it is.
    await user.clear(screen.getByTestId("rule-amount-min"));
    await user.clear(screen.getByTestId("rule-amount-max"));
    await user.selectOptions(screen.getByTestId("rule-condition-kind"), "payee_matches");
    await user.clear(screen.getByTestId("rule-condition-value"));
    await user.type(screen.getByTestId("rule-condition-value"), "(book");
    await user.click(screen.getByTestId("rule-save"));
    const banner = await within(form).findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("Invalid");
    expect(banner.textContent).toContain("is not a valid pattern");
    expect(rulesOf(vault)).toHaveLength(0);

    // Right at last; the amounts go as typed, decimal strings with the accounts' currency.
    await user.selectOptions(screen.getByTestId("rule-condition-kind"), "payee_contains");
    await user.clear(screen.getByTestId("rule-condition-value"));
    await user.type(screen.getByTestId("rule-condition-value"), "bookshop");
    await user.type(screen.getByTestId("rule-amount-min"), "-50.00");
    await user.type(screen.getByTestId("rule-amount-max"), "-5");
    await user.type(screen.getByTestId("rule-rename"), "Bookshop on Main");
    await user.click(screen.getByTestId("rule-save"));
    await screen.findByTestId("rules-list");
    expect(within(form).queryByTestId("error-banner")).toBeNull();
    expect(screen.getByTestId("rule-add-status").textContent).toContain("Rule added");

    const [rule] = rulesOf(vault);
    expect(rule).toEqual({
      id: "rule-1",
      origin: "user",
      conditions: [{ payee_contains: "bookshop" }, { amount_between: { min: USD("-50.00"), max: USD("-5") } }],
      actions: { category: "SHOPPING", rename: "Bookshop on Main" },
      enabled: true,
    });
    const row = screen.getByTestId("rule-rule-1");
    expect(row.textContent).toContain(`amount between ${formatMoney(USD("-50.00"))} and ${formatMoney(USD("-5"))}`);
    expect(row.textContent).toContain("set the category to Shopping and show the payee as “Bookshop on Main”");
    // The form is ready for the next one.
    expect(screen.getByTestId<HTMLInputElement>("rule-condition-value").value).toBe("");
    expect(screen.getByTestId<HTMLSelectElement>("rule-category").value).toBe("");
  });

  it("offers every category, children grouped under their parent", async () => {
    await start();
    const select = await screen.findByTestId<HTMLSelectElement>("rule-category");
    const values = [...select.options].map((o) => o.value).filter((v) => v !== "");
    expect(values.sort()).toEqual(FAKE_CATEGORIES.map((c) => c.id).sort());
    // (jsdom's selectors do not match an attribute value holding "&": compare the property.)
    const food = [...select.querySelectorAll("optgroup")].find((g) => g.label === "Food & Dining");
    expect([...(food?.querySelectorAll("option") ?? [])].map((o) => o.textContent)).toEqual([
      "Food & Dining",
      "Coffee Shops",
      "Groceries",
      "Restaurants",
    ]);
    // A top-level category without children stands alone.
    expect(select.querySelector('option[value="GAS"]')?.parentElement).toBe(select);
  });

  it("edits what a rule does, learned ones too", async () => {
    const { vault, user, seen } = await start((vault) => {
      vault.handle("set_category", { transaction: rowOf(vault, "Corner Café").id, category: "FOOD_RESTAURANTS", fromNowOn: true });
    });
    await user.click(await screen.findByTestId("rule-edit-rule-1"));
    const category = screen.getByTestId<HTMLSelectElement>("rule-edit-category-rule-1");
    expect(category.value).toBe("FOOD_RESTAURANTS");
    expect(document.activeElement).toBe(category);

    // Neither a category nor a name: said before anything is sent.
    await user.selectOptions(category, "");
    await user.click(screen.getByTestId("rule-edit-save-rule-1"));
    expect(screen.getByTestId("rule-edit-error").textContent).toContain("Choose a category, or type a name");
    expect(callsOf(seen, "edit_rule")).toHaveLength(0);

    await user.selectOptions(category, "FOOD_COFFEE");
    await user.type(screen.getByTestId("rule-edit-rename-rule-1"), "Corner Café");
    await user.click(screen.getByTestId("rule-edit-save-rule-1"));
    await waitFor(() => expect(screen.getByTestId("rules-status").textContent).toContain("Rule saved"));
    expect(screen.queryByTestId("rule-edit-category-rule-1")).toBeNull();
    expect(screen.getByTestId("rule-rule-1").textContent).toContain(
      "set the category to Coffee Shops and show the payee as “Corner Café”",
    );
    expect(callsOf(seen, "edit_rule").map((c) => c.args)).toEqual([
      { rule: "rule-1", actions: { category: "FOOD_COFFEE", rename: "Corner Café" }, enabled: true },
    ]);
    expect(rulesOf(vault)[0]?.actions).toEqual({ category: "FOOD_COFFEE", rename: "Corner Café" });
  });

  it("turns a rule off and on again", async () => {
    const { vault, user } = await start((vault) => {
      vault.handle("add_rule", { conditions: [{ payee_is: "streamflix" }], actions: { category: "SUBSCRIPTIONS", rename: null } });
    });
    const toggle = await screen.findByTestId("rule-toggle-rule-1");
    expect(toggle.textContent).toBe("Turn off");
    await user.click(toggle);
    await waitFor(() => expect(screen.getByTestId("rule-state-rule-1").textContent).toBe("Off"));
    expect(screen.getByTestId("rule-rule-1").dataset.enabled).toBe("false");
    expect(screen.getByTestId("rule-toggle-rule-1").textContent).toBe("Turn on");
    expect(screen.getByTestId("rules-status").textContent).toContain("Rule turned off");
    expect(rulesOf(vault)[0]).toMatchObject({ enabled: false, actions: { category: "SUBSCRIPTIONS", rename: null } });

    await user.click(screen.getByTestId("rule-toggle-rule-1"));
    await waitFor(() => expect(screen.getByTestId("rule-state-rule-1").textContent).toBe("On"));
    expect(rulesOf(vault)[0]?.enabled).toBe(true);
  });

  it("deletes a rule only once the user confirms", async () => {
    const { vault, user, seen } = await start((vault) => {
      vault.handle("add_rule", { conditions: [{ payee_is: "streamflix" }], actions: { category: "SUBSCRIPTIONS", rename: null } });
      vault.handle("add_rule", { conditions: [{ payee_contains: "gym" }], actions: { category: "HEALTH_GYM", rename: null } });
    });
    await user.click(await screen.findByTestId("rule-delete-rule-1"));
    expect(screen.getByTestId("rule-delete-confirm-rule-1").textContent).toBe("Delete this rule");
    expect(callsOf(seen, "delete_rule")).toHaveLength(0);

    // Changing one's mind keeps it.
    await user.click(screen.getByTestId("rule-delete-cancel-rule-1"));
    expect(screen.queryByTestId("rule-delete-confirm-rule-1")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("rule-delete-rule-1"));
    expect(rulesOf(vault)).toHaveLength(2);

    await user.click(screen.getByTestId("rule-delete-rule-1"));
    await user.click(screen.getByTestId("rule-delete-confirm-rule-1"));
    await waitFor(() => expect(screen.queryByTestId("rule-rule-1")).toBeNull());
    expect(screen.getByTestId("rules-status").textContent).toContain("Rule deleted");
    expect(screen.getByTestId("rule-rule-2")).toBeTruthy();
    expect(rulesOf(vault).map((r) => r.id)).toEqual(["rule-2"]);
  });

  it("applies a rule to past transactions after showing exactly what would change", async () => {
    let locked = "";
    const { vault, user, seen } = await start((vault) => {
      // One bookshop purchase the user categorized: no rule changes it.
      locked = rowOf(vault, "Bookshop on Main").id;
      vault.handle("set_category", { transaction: locked, category: "FOOD_COFFEE", fromNowOn: false });
      vault.handle("add_rule", { conditions: [{ payee_contains: "bookshop" }], actions: { category: "SHOPPING", rename: null } });
    });
    const bookshop = () => vault.transactions().filter((t) => t.seller.toLowerCase().includes("bookshop"));
    const expected = bookshop().filter((t) => !t.categoryLocked && t.category !== "SHOPPING");
    expect(expected.length).toBeGreaterThan(1);

    // A preview, then Cancel: nothing changed.
    await user.click(await screen.findByTestId("rule-apply-rule-1"));
    await screen.findByTestId("rule-preview");
    await user.click(screen.getByTestId("rule-apply-cancel"));
    expect(screen.queryByTestId("rule-preview")).toBeNull();

    await user.click(screen.getByTestId("rule-apply-rule-1"));
    const preview = await screen.findByTestId("rule-preview");
    const n = expected.length;
    expect(screen.getByTestId("rule-preview-count").textContent).toContain(`${n} transactions would change`);
    const rows = within(preview).getAllByTestId("rule-preview-row");
    expect(rows.map((r) => r.dataset.id).sort()).toEqual(expected.map((t) => t.id).sort());
    expect(rows[0]?.textContent).toContain("Uncategorized");
    expect(rows[0]?.textContent).toContain("Shopping");
    expect(rows.some((r) => r.dataset.id === locked)).toBe(false);
    // Only a dry run so far.
    expect(callsOf(seen, "apply_rule").map((c) => (c.args as { dryRun: boolean }).dryRun)).toEqual([true, true]);
    expect(bookshop().filter((t) => t.category === "SHOPPING")).toHaveLength(0);

    const confirm = screen.getByTestId("rule-apply-confirm");
    expect(confirm.textContent).toBe(`Change ${n} transactions`);
    await user.click(confirm);
    await waitFor(() => expect(screen.getByTestId("rules-status").textContent).toBe(`Changed ${n} transactions.`));
    expect(screen.queryByTestId("rule-preview")).toBeNull();
    expect(callsOf(seen, "apply_rule").at(-1)?.args).toEqual({ rule: "rule-1", dryRun: false });
    for (const t of bookshop()) {
      expect(t.category).toBe(t.id === locked ? "FOOD_COFFEE" : "SHOPPING");
    }
    const changes = vault.handle("apply_rule", { rule: "rule-1", dryRun: true }) as RuleChange[];
    expect(changes).toEqual([]);

    // Once applied, there is nothing left to change, and it says why.
    await user.click(screen.getByTestId("rule-apply-rule-1"));
    const again = await screen.findByTestId("rule-preview");
    expect(again.textContent).toContain("No past transaction would change");
    expect(within(again).queryByTestId("rule-apply-confirm")).toBeNull();
  });

  it("shows the rename of each change in the preview", async () => {
    const { user } = await start((vault) => {
      vault.handle("add_rule", { conditions: [{ payee_is: "streamflix" }], actions: { category: null, rename: "Streamflix Premium" } });
    });
    await user.click(await screen.findByTestId("rule-apply-rule-1"));
    const preview = await screen.findByTestId("rule-preview");
    expect(within(preview).getByRole("columnheader", { name: "Shown as" })).toBeTruthy();
    const [row] = within(preview).getAllByTestId("rule-preview-row");
    expect(row?.textContent).toContain("Streamflix");
    expect(row?.textContent).toContain("Subscriptions & Streaming");
    expect(row?.textContent).toContain("Streamflix Premium");
  });

  it("shows a refusal on the rule's row, and a rule deleted elsewhere leaves the list", async () => {
    const { vault, user } = await start((vault) => {
      vault.handle("add_rule", { conditions: [{ payee_is: "streamflix" }], actions: { category: "SUBSCRIPTIONS", rename: null } });
    });
    await screen.findByTestId("rule-rule-1");
    vault.handle("delete_rule", { rule: "rule-1" });
    await user.click(screen.getByTestId("rule-toggle-rule-1"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("NotFound");
    expect(banner.textContent).toContain("that rule no longer exists");
    await waitFor(() => expect(screen.queryByTestId("rule-rule-1")).toBeNull());
    expect(screen.getByTestId("rules-empty")).toBeTruthy();
  });

  it("asks to open the vault while it is locked", async () => {
    const vault = createFakeVault({ vault: "passphrase" });
    mockIPC((command, args) => vault.handle(command, args));
    render(<App />);
    await screen.findByText("Locked", { selector: "[data-testid=vault-state]" });
    await go("rules");
    expect(screen.getByText(/The vault is not open/).textContent).toContain("your rules");
  });
});
