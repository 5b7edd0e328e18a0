import { useId, useState } from "react";
import { chooseTheme, storedTheme, type Theme } from "../theme";
import type { VaultActions, VaultModel } from "../vault";
import { DailyRefreshSettings } from "./DailyRefreshSettings";
import { ExportSettings } from "./ExportSettings";
import { StartupSettings } from "./StartupSettings";
import { SyncSettings } from "./SyncSettings";
import { ThresholdSettings } from "./ThresholdSettings";
import { VaultSettings } from "./VaultSettings";
import "./overview.css";

type Props = {
  vault: VaultModel;
  actions: VaultActions;
  /** After a sync brought other devices' changes: the screens read the vault again. */
  onSynced?: () => void;
};

export function Settings({ vault, actions, onSynced }: Props) {
  const unlocked = vault.status?.state === "unlocked";
  const transactions = vault.status?.counts.find((c) => c.table === "transactions")?.rows ?? null;
  return (
    <>
      <VaultSettings vault={vault} actions={actions} />
      {unlocked && <DailyRefreshSettings />}
      {unlocked && <ThresholdSettings />}
      {unlocked && <ExportSettings transactions={transactions} />}
      {unlocked && <SyncSettings {...(onSynced ? { onSynced } : {})} />}
      <StartupSettings />
      <ThemeSettings />
    </>
  );
}

const THEME_CHOICES: Array<{ theme: Theme; label: string; hint: string }> = [
  { theme: "system", label: "System", hint: "Light or dark as this computer is set, changing when it does." },
  { theme: "light", label: "Light", hint: "Always light." },
  { theme: "dark", label: "Dark", hint: "Always dark." },
];

/** System, light or dark: applied at once, remembered on this computer. */
function ThemeSettings() {
  const id = useId();
  const [theme, setTheme] = useState<Theme>(storedTheme);
  const [unsaved, setUnsaved] = useState(false);

  const choose = (next: Theme) => {
    setTheme(next);
    setUnsaved(!chooseTheme(next));
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="theme-settings">
      <h2 id={`${id}-title`}>Appearance</h2>
      <fieldset className="choices">
        <legend>Theme</legend>
        {THEME_CHOICES.map((choice) => (
          <label key={choice.theme} className="choice">
            <input
              type="radio"
              name={`${id}-theme`}
              value={choice.theme}
              data-testid={`theme-${choice.theme}`}
              checked={theme === choice.theme}
              aria-describedby={`${id}-${choice.theme}-hint`}
              onChange={() => choose(choice.theme)}
            />
            <span>
              {choice.label}
              <span className="muted small" id={`${id}-${choice.theme}-hint`}>
                {" "}
                · {choice.hint}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      {unsaved && (
        <p className="warn-text small" role="status">
          Spearmint could not remember this choice on this computer: it holds until you close Spearmint. Choose it again
          next time.
        </p>
      )}
    </section>
  );
}
