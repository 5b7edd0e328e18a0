// Test-only entry, bundled by app.test.js into one classic script and given to
// Chromium with page.addInitScript, so it runs before the app in every page.
// It installs Tauri's own mockIPC (which fills window.__TAURI_INTERNALS__, the
// hook that `invoke` and `Channel` use) backed by the fake shell. The
// production bundle knows nothing about it: no test hook ships in ui/dist.
import { mockIPC } from "@tauri-apps/api/mocks";
import { createFakeVault, type FakeVault, type FakeVaultOptions } from "../fake-vault";

declare global {
  interface Window {
    /** Set by an earlier init script: how the fake shell starts. */
    __SPEARMINT_FAKE_VAULT__?: FakeVaultOptions;
    /** Commands the fake shell received, for the test to read. */
    __SPEARMINT_IPC_CALLS__?: string[];
    /** The fake shell itself, for the test to steer (release a held refresh) and inspect. */
    __SPEARMINT_FAKE__?: FakeVault;
  }
}

const vault = createFakeVault(window.__SPEARMINT_FAKE_VAULT__ ?? {});
window.__SPEARMINT_IPC_CALLS__ = vault.calls;
window.__SPEARMINT_FAKE__ = vault;
mockIPC((command, args) => vault.handle(command, args));
