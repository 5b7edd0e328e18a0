import type { IpcError } from "./bindings/IpcError";
import { ERROR_TITLES } from "./vaultText";

/**
 * Shows the shell's message as is; `data-kind` lets tests and styles branch on the kind. The
 * title says what kind of trouble it is, in words of the card's own when it passes `titles`
 * (a sync server is not a bank).
 */
export function ErrorBanner({ error, titles }: { error: IpcError; titles?: Partial<Record<IpcError["kind"], string>> }) {
  return (
    <div className="banner banner-error" role="alert" data-testid="error-banner" data-kind={error.kind}>
      <p className="banner-title">{titles?.[error.kind] ?? ERROR_TITLES[error.kind]}</p>
      <p className="banner-message">{error.message}</p>
    </div>
  );
}
