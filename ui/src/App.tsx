import { useEffect, useRef } from "react";
import { ErrorBanner } from "./ErrorBanner";
import { useLedger, type LedgerActions, type LedgerModel } from "./ledger";
import { RefreshProgress } from "./LedgerParts";
import { SCREENS, screenHref, useScreen, type ScreenId } from "./navigation";
import { Accounts } from "./screens/Accounts";
import { Overview } from "./screens/Overview";
import { Settings } from "./screens/Settings";
import { Transactions } from "./screens/Transactions";
import { Alerts } from "./screens/Alerts";
import { Budgets } from "./screens/Budgets";
import { Rules } from "./screens/Rules";
import { Spending } from "./screens/Spending";
import { useVault, type VaultActions, type VaultModel } from "./vault";
import { stateLabel } from "./vaultText";

export function App() {
  const [vault, actions] = useVault();
  const unlocked = vault.status?.state === "unlocked";
  const [ledger, ledgerActions] = useLedger(unlocked);
  const screen = useScreen();
  const title = SCREENS.find((s) => s.id === screen)?.title ?? "Overview";

  // Move focus to the new screen's heading so keyboard and screen-reader users
  // land on what changed; not on the first render, where focus starts at the top.
  const heading = useRef<HTMLHeadingElement>(null);
  const firstScreen = useRef(screen);
  useEffect(() => {
    if (screen !== firstScreen.current) heading.current?.focus();
  }, [screen]);

  // After a refresh the vault holds new rows: read its status again for the counts.
  const { recheck } = actions;
  const lastOutcome = ledger.refresh.report ?? ledger.refresh.error;
  useEffect(() => {
    if (unlocked && lastOutcome !== null) void recheck();
  }, [unlocked, lastOutcome, recheck]);

  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <Leaf />
          <span>Spearmint</span>
        </div>
        <nav aria-label="Screens">
          <ul className="nav-list">
            {SCREENS.map((s) => (
              <li key={s.id}>
                <a
                  href={screenHref(s.id)}
                  data-testid={`nav-${s.id}`}
                  aria-current={s.id === screen ? "page" : undefined}
                >
                  {s.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p className="sidebar-status">
          <span className={`dot dot-${vault.status?.state ?? "unknown"}`} aria-hidden="true" />
          Vault: {vault.status ? stateLabel(vault.status.state) : "checking…"}
        </p>
      </aside>
      <main id="content" className="content">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {vault.error && <ErrorBanner error={vault.error} />}
        {ledger.refresh.running && <RefreshProgress refresh={ledger.refresh} />}
        <ScreenBody screen={screen} vault={vault} actions={actions} ledger={ledger} ledgerActions={ledgerActions} />
      </main>
    </div>
  );
}

type BodyProps = {
  screen: ScreenId;
  vault: VaultModel;
  actions: VaultActions;
  ledger: LedgerModel;
  ledgerActions: LedgerActions;
};

function ScreenBody({ screen, vault, actions, ledger, ledgerActions }: BodyProps) {
  const unlocked = vault.status?.state === "unlocked";
  switch (screen) {
    case "overview":
      return <Overview vault={vault} actions={actions} ledger={ledger} />;
    case "settings":
      return <Settings vault={vault} actions={actions} onSynced={() => void ledgerActions.reload()} />;
    case "transactions":
      return <Transactions unlocked={unlocked} ledger={ledger} />;
    case "accounts":
      return <Accounts unlocked={unlocked} ledger={ledger} actions={ledgerActions} />;
    case "spending":
      return <Spending unlocked={unlocked} ledger={ledger} />;
    case "budgets":
      return <Budgets unlocked={unlocked} ledger={ledger} />;
    case "rules":
      return <Rules unlocked={unlocked} ledger={ledger} />;
    case "alerts":
      return <Alerts unlocked={unlocked} ledger={ledger} />;
  }
}

function Leaf() {
  return (
    <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <path className="brand-leaf" d="M16 3C9 8 6 14 8 21c1.3 4.4 4.6 7 8 8 3.4-1 6.7-3.6 8-8 2-7-1-13-8-18z" />
      <path className="brand-vein" d="M16 8v19M16 14l-4-3M16 19l5-4M16 24l-4-3" />
    </svg>
  );
}
