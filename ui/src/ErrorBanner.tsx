import type { IpcError } from "./bindings/IpcError";
import { ERROR_TITLES } from "./vaultText";

/** Shows the shell's message as is; `data-kind` lets tests and styles branch on the kind. */
export function ErrorBanner({ error }: { error: IpcError }) {
  return (
    <div className="banner banner-error" role="alert" data-testid="error-banner" data-kind={error.kind}>
      <p className="banner-title">{ERROR_TITLES[error.kind]}</p>
      <p className="banner-message">{error.message}</p>
    </div>
  );
}
