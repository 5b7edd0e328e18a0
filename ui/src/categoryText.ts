// How a category and the reason it was chosen read in the app.
import type { Category } from "./bindings/Category";
import type { Transaction } from "./bindings/Transaction";

const SOURCES: Record<string, string> = {
  user: "You chose it",
  rule: "One of your rules",
  learned: "Learned from you: you filed this seller here before",
  dictionary: "Spearmint's seller dictionary",
  crowd: "What other Spearmint users chose (crowd vote)",
  provider: "Your bank's category for the merchant (MCC)",
  profile: "Learned from the categories you chose for similar sellers",
  channel: "How the payment was made (the card processor in the description)",
  lexicon: "A word in the description",
  model: "Spearmint's local model",
  default: "Nothing matched: no rule, dictionary entry or word",
};

/** "Why this category?": the source in words, and the words that decided where there are any. */
export function whyText(tx: Pick<Transaction, "categorySource" | "categoryReason">): string {
  const source = tx.categorySource === null ? "Not categorized yet" : (SOURCES[tx.categorySource] ?? tx.categorySource);
  return tx.categoryReason === null || tx.categoryReason === "" ? source : `${source}: ${tx.categoryReason}`;
}

/** Top-level categories with their children beneath, in the engine's order, for a picker. */
export function categoryGroups(categories: readonly Category[]): Array<{ top: Category; children: Category[] }> {
  const groups = categories.filter((c) => c.parent === null).map((top) => ({ top, children: [] as Category[] }));
  const byId = new Map(groups.map((g) => [g.top.id, g]));
  for (const c of categories) if (c.parent !== null) byId.get(c.parent)?.children.push(c);
  return groups;
}
