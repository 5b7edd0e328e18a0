// Splitting a transaction and naming its payee, against the fake shell (which
// refuses parts that do not add up, as the engine does).
import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Transaction } from "../../src/bindings/Transaction";
import { PayeeEditor, remainder, SplitEditor } from "../../src/screens/TransactionDetails";
import { fromUnits, toUnits } from "../../src/moneyMath";
import { createFakeVault } from "../fake-vault";
import { FAKE_CATEGORIES } from "../fake-money";

async function setup() {
  const vault = createFakeVault({ vault: "keychain", linked: true, demoTransactions: 30 });
  mockIPC((command, args) => vault.handle(command, args));
  await vault.handle("open_vault", {});
  const tx = vault.transactions().find((t) => t.amount.amount.startsWith("-"))!;
  return { vault, tx: { ...tx }, user: userEvent.setup() };
}

describe("remainder", () => {
  it("is what is left of the transaction after the parts, exactly", () => {
    const total = toUnits("-100.00")!;
    expect(remainder(total, [{ category: "A", amount: "60" }, { category: "", amount: "" }])).toBe(toUnits("40")!);
    expect(remainder(total, [{ category: "A", amount: "60.01" }, { category: "B", amount: "39.99" }])).toBe(0n);
    expect(remainder(total, [{ category: "A", amount: "0.1" }, { category: "B", amount: "abc" }])).toBeNull();
  });
});

describe("Splitting a transaction", () => {
  it("refuses parts that do not add up, then saves parts that do, and undoes the split", async () => {
    const { vault, tx, user } = await setup();
    const changed = vi.fn();
    const close = vi.fn();
    const { unmount } = render(<SplitEditor tx={tx} categories={FAKE_CATEGORIES} onClose={close} onChanged={changed} />);
    const whole = tx.amount.amount.replace("-", "");
    expect((screen.getByTestId("split-amount-0") as HTMLInputElement).value).toBe(whole);

    // A second part taken from the first: until the first is lowered, they are over.
    await user.selectOptions(screen.getByTestId("split-category-1"), "HEALTH_PHARMACY");
    await user.type(screen.getByTestId("split-amount-1"), "1.00");
    expect(screen.getByTestId("split-left").textContent).toBe("Over by $1.00");
    await user.click(screen.getByTestId("split-save"));
    expect(screen.getByText("The parts add up to more than the transaction: lower one of them.")).toBeTruthy();
    expect(vault.calls).not.toContain("split_transaction");

    const firstText = fromUnits(toUnits(whole)! - toUnits("1.00")!);
    await user.clear(screen.getByTestId("split-amount-0"));
    await user.type(screen.getByTestId("split-amount-0"), firstText);
    expect(screen.getByTestId("split-left").textContent).toBe("The parts add up exactly.");
    await user.click(screen.getByTestId("split-save"));
    await waitFor(() => expect(changed).toHaveBeenCalledTimes(1));
    const [row, text] = changed.mock.calls[0] as [Transaction, string];
    expect(row.parts.map((p) => [p.category, p.amount.amount])).toEqual([
      [tx.category, `-${firstText}`],
      ["HEALTH_PHARMACY", "-1.00"],
    ]);
    expect(text).toMatch(/^Split into 2 parts: .*Pharmacy\.$/);
    expect(vault.transactions().find((t) => t.id === tx.id)!.parts).toHaveLength(2);
    unmount();

    // Opened again, it shows the parts and undoes the split.
    render(<SplitEditor tx={row} categories={FAKE_CATEGORIES} onClose={close} onChanged={changed} />);
    expect((screen.getByTestId("split-amount-1") as HTMLInputElement).value).toBe("1.00");
    await user.click(screen.getByTestId("split-undo"));
    await waitFor(() => expect(changed).toHaveBeenCalledTimes(2));
    expect((changed.mock.calls[1] as [Transaction])[0].parts).toEqual([]);
    expect(vault.transactions().find((t) => t.id === tx.id)!.parts).toEqual([]);
  });

  it("asks for a category and an amount in every part", async () => {
    const { vault, tx, user } = await setup();
    render(<SplitEditor tx={tx} categories={FAKE_CATEGORIES} onClose={() => {}} onChanged={() => {}} />);
    await user.type(screen.getByTestId("split-amount-1"), "2");
    await user.click(screen.getByTestId("split-save"));
    expect(screen.getByText("Choose a category for every part.")).toBeTruthy();
    expect(vault.calls).not.toContain("split_transaction");
  });
});

describe("The payee's name and a note", () => {
  it("names the payee and keeps a note; empty goes back to the seller's name", async () => {
    const { vault, tx, user } = await setup();
    const changed = vi.fn();
    const { unmount } = render(<PayeeEditor tx={tx} onClose={() => {}} onChanged={changed} />);
    await user.type(screen.getByTestId("payee-input"), "Corner shop");
    await user.type(screen.getByTestId("note-input"), "milk for the office");
    await user.click(screen.getByTestId("payee-save"));
    await waitFor(() => expect(changed).toHaveBeenCalledTimes(1));
    const [row] = changed.mock.calls[0] as [Transaction];
    expect([row.name, row.payee, row.note, row.seller]).toEqual(["Corner shop", "Corner shop", "milk for the office", tx.seller]);
    unmount();

    render(<PayeeEditor tx={row} onClose={() => {}} onChanged={changed} />);
    await user.clear(screen.getByTestId("payee-input"));
    await user.click(screen.getByTestId("payee-save"));
    await waitFor(() => expect(changed).toHaveBeenCalledTimes(2));
    const [again] = changed.mock.calls[1] as [Transaction];
    expect([again.name, again.payee, again.note]).toEqual([tx.seller, null, "milk for the office"]);
    expect(vault.transactions().find((t) => t.id === tx.id)!.payee).toBeNull();
  });
});
