import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import type { Notification } from "../../src/bindings/Notification";
import { alertLink, alertTimeText, monthText, newestFirst } from "../../src/screens/Alerts";
import { createFakeVault, type FakeVault } from "../fake-vault";

type Call = { command: string; args: unknown };

/**
 * An account alert, which the fake never raises: the handler below lists it with the fake's own
 * (last, though it is the newest, so the screen's order shows) and marks it as the shell would.
 */
function accountAlert(): Notification {
  return {
    id: "note-bank",
    kind: "account_attention",
    summary: "Demo Bank needs you",
    body: "Sign in to Demo Bank again so that Spearmint can refresh its accounts.",
    createdAt: "2025-06-14T08:15:00Z",
    deliveredAt: null,
    attempts: 0,
    lastError: null,
    readAt: null,
    month: null,
    category: null,
    connection: "conn-demo",
  };
}

/**
 * The app on an unlocked vault with the demo bank's data and a budget of $10 for Food from May on,
 * which the demo's spending is over: two alerts, June's and May's, plus the account alert.
 */
async function start({ budgets = true, bank = true }: { budgets?: boolean; bank?: boolean } = {}) {
  const vault = createFakeVault({ vault: "keychain", linked: true });
  const extra = bank ? accountAlert() : null;
  const seen: Call[] = [];
  mockIPC((command, args) => {
    seen.push({ command, args });
    if (command === "list_notifications" && extra !== null) {
      return [...(vault.handle(command, args) as Notification[]), { ...extra }];
    }
    if (command === "mark_notifications" && extra !== null) {
      const { ids, read } = args as { ids: string[]; read: boolean };
      if (ids.includes(extra.id)) extra.readAt = read ? "2025-06-14T09:00:00Z" : null;
      return vault.handle(command, { ids: ids.filter((id) => id !== extra.id), read });
    }
    return vault.handle(command, args);
  });
  render(<App />);
  await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
  if (budgets) {
    vault.handle("set_budget", { category: "FOOD", amount: { amount: "10.00", currency: "USD" }, month: "2025-05", rollover: false });
  }
  const user = userEvent.setup();
  await user.click(screen.getByTestId("nav-alerts"));
  return { vault, user, seen, extra };
}

/** The fake's alerts (without the account one), as the shell lists them. */
const notesOf = (vault: FakeVault) => vault.handle("list_notifications", {}) as Notification[];
const idsShown = (list: HTMLElement) => [...list.querySelectorAll(":scope > li")].map((li) => li.getAttribute("data-testid"));
const marks = (seen: Call[]) => seen.filter((c) => c.command === "mark_notifications").map((c) => c.args);

describe("Alerts in words", () => {
  it("writes times and months readably, sorts newest first and knows where each leads", () => {
    const format = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
    expect(alertTimeText("2025-06-13T12:00:01Z", format)).toBe("Jun 13, 2025, 12:00 PM");
    expect(alertTimeText("yesterday", format)).toBe("yesterday");
    expect(monthText("2025-06", "en-US")).toBe("June 2025");

    const bank = accountAlert();
    const budget: Notification = { ...bank, id: "b", kind: "budget_threshold", createdAt: "2025-06-14T10:15:00+02:00", month: "2025-06", category: "FOOD", connection: null };
    // 10:15 at +02:00 is 08:15 UTC, the bank alert's time: a tie keeps the command's order.
    expect(newestFirst([budget, bank]).map((n) => n.id)).toEqual(["b", "note-bank"]);
    expect(newestFirst([{ ...budget, createdAt: "2025-06-14T10:16:00+02:00" }, bank]).map((n) => n.id)).toEqual(["b", "note-bank"]);
    expect(newestFirst([{ ...budget, createdAt: "2025-06-14T10:14:00+02:00" }, bank]).map((n) => n.id)).toEqual(["note-bank", "b"]);

    expect(alertLink(budget)).toEqual({ href: "#/budgets?month=2025-06&category=FOOD", text: "Open the budget" });
    expect(alertLink(bank)).toEqual({ href: "#/accounts", text: "Open accounts" });
    expect(alertLink({ ...budget, month: null })).toBeNull();
  });
});

describe("Alerts screen", () => {
  it("says when alerts come when there is none", async () => {
    await start({ budgets: false, bank: false });
    const empty = await screen.findByTestId("alerts-empty");
    expect([...empty.querySelectorAll("p")].map((p) => p.textContent)).toEqual([
      "No alerts yet.",
      "Spearmint tells you here (and with a system notification) when a budget is nearly used or over, or when an account needs you. Set what each category may spend on Budgets, and at what share of it you are alerted in Settings.",
    ]);
    expect([...empty.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual(["#/budgets", "#/settings"]);
    expect(screen.queryByTestId("alerts-list")).toBeNull();
    expect(screen.queryByTestId("alerts-read-all")).toBeNull();
  });

  it("lists the alerts newest first, unread ones marked, each with a link to what it is about", async () => {
    const { vault } = await start();
    const notes = notesOf(vault);
    expect(notes.map((n) => [n.id, n.month])).toEqual([
      ["note-2", "2025-05"],
      ["note-1", "2025-06"],
    ]);
    const list = await screen.findByTestId("alerts-list");
    expect(idsShown(list)).toEqual(["alert-note-bank", "alert-note-2", "alert-note-1"]);
    expect(screen.getByTestId("alerts-unread").textContent).toBe("3 unread alerts.");

    const may = screen.getByTestId("alert-note-2");
    const note = notes[0]!;
    expect(may.textContent).toContain(note.summary);
    expect(may.textContent).toContain(note.body);
    expect(may.textContent).toContain(alertTimeText(note.createdAt));
    expect(may.textContent).toContain(`Budget for ${monthText("2025-05")}`);
    expect(within(may).getByText("Unread")).toBeTruthy();
    expect(within(may).getByText(note.summary).tagName).toBe("STRONG");
    expect(may.querySelector("time")?.getAttribute("datetime")).toBe(note.createdAt);

    const budgetLink = within(may).getByRole("link", { name: "Open the budget" });
    expect(budgetLink.getAttribute("href")).toBe("#/budgets?month=2025-05&category=FOOD");
    const bankLink = within(screen.getByTestId("alert-note-bank")).getByRole("link", { name: "Open accounts" });
    expect(bankLink.getAttribute("href")).toBe("#/accounts");
  });

  it("marks one alert read, then unread again", async () => {
    const { vault, user, seen } = await start();
    await screen.findByTestId("alerts-list");
    const button = screen.getByTestId("alert-read-note-2");
    expect(button.textContent).toBe("Mark as read");

    await user.click(button);
    await waitFor(() => expect(screen.getByTestId("alerts-unread").textContent).toBe("2 unread alerts."));
    const row = screen.getByTestId("alert-note-2");
    expect(within(row).queryByText("Unread")).toBeNull();
    expect(row.dataset.read).toBe("true");
    expect(screen.getByTestId("alert-read-note-2").textContent).toBe("Mark as unread");
    expect(screen.getByTestId("alerts-status").textContent).toBe("Marked as read.");
    expect(notesOf(vault).find((n) => n.id === "note-2")?.readAt).not.toBeNull();

    await user.click(screen.getByTestId("alert-read-note-2"));
    await waitFor(() => expect(screen.getByTestId("alerts-unread").textContent).toBe("3 unread alerts."));
    expect(within(screen.getByTestId("alert-note-2")).getByText("Unread")).toBeTruthy();
    expect(notesOf(vault).find((n) => n.id === "note-2")?.readAt).toBeNull();
    expect(marks(seen)).toEqual([
      { ids: ["note-2"], read: true },
      { ids: ["note-2"], read: false },
    ]);
  });

  it("marks every unread alert read in one call", async () => {
    const { vault, user, seen, extra } = await start();
    await screen.findByTestId("alerts-list");
    await user.click(screen.getByTestId("alert-read-note-1"));
    await waitFor(() => expect(screen.getByTestId("alerts-unread").textContent).toBe("2 unread alerts."));

    await user.click(screen.getByTestId("alerts-read-all"));
    await waitFor(() => expect(screen.getByTestId("alerts-unread").textContent).toBe("All read."));
    expect(marks(seen).at(-1)).toEqual({ ids: ["note-bank", "note-2"], read: true });
    expect(marks(seen)).toHaveLength(2);
    expect(screen.getByTestId("alerts-status").textContent).toBe("Marked 2 alerts as read.");
    expect(screen.getByTestId("alerts-list").querySelectorAll(".alert-unread")).toHaveLength(0);
    expect(screen.getByTestId("alerts-read-all")).toHaveProperty("disabled", true);
    expect(notesOf(vault).every((n) => n.readAt !== null)).toBe(true);
    expect(extra?.readAt).not.toBeNull();
  });

  it("opening an alert's link goes to its screen and marks it read", async () => {
    const { vault, user, seen } = await start();
    await screen.findByTestId("alerts-list");
    await user.click(within(screen.getByTestId("alert-note-1")).getByRole("link", { name: "Open the budget" }));
    await waitFor(() => expect(window.location.hash).toBe("#/budgets?month=2025-06&category=FOOD"));
    await screen.findByRole("heading", { level: 1, name: "Budgets" });
    await waitFor(() => expect(notesOf(vault).find((n) => n.id === "note-1")?.readAt).not.toBeNull());
    expect(marks(seen)).toEqual([{ ids: ["note-1"], read: true }]);

    // Back on Alerts, it shows read.
    await user.click(screen.getByTestId("nav-alerts"));
    await waitFor(() => expect(screen.getByTestId("alert-note-1").dataset.read).toBe("true"));
    expect(screen.getByTestId("alerts-unread").textContent).toBe("2 unread alerts.");
  });

  it("shows a refusal of the shell with its message", async () => {
    const vault = createFakeVault({ vault: "keychain", linked: true });
    mockIPC((command, args) => {
      if (command === "list_notifications") throw { kind: "Storage", message: "the vault could not be read: check the disk, then reopen Alerts" };
      return vault.handle(command, args);
    });
    render(<App />);
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    await userEvent.setup().click(screen.getByTestId("nav-alerts"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("Storage");
    expect(banner.textContent).toContain("check the disk, then reopen Alerts");
    expect(screen.queryByText("Loading…")).toBeNull();
  });
});
