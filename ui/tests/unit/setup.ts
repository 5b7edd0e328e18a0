import { cleanup } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";

afterEach(() => {
  cleanup();
  clearMocks();
  window.location.hash = "";
});

// jsdom has no canvas: its getContext prints "not implemented" and returns nothing. Say so
// quietly; charts then draw nothing and the tables beside them carry the numbers.
HTMLCanvasElement.prototype.getContext = () => null;
