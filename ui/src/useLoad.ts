// One engine read a screen shows, loaded again whenever what it depends on
// changes; an answer that arrives after a newer question was asked is dropped.
import { useCallback, useEffect, useRef, useState } from "react";
import { toIpcError } from "./api";
import type { IpcError } from "./bindings/IpcError";

export type Loaded<T> = { data: T | null; error: IpcError | null; loading: boolean; reload: () => void };

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const asked = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    const ask = ++asked.current;
    setLoading(true);
    loader
      .current()
      .then((value) => {
        if (ask !== asked.current) return;
        setData(value);
        setError(null);
      })
      .catch((e: unknown) => {
        if (ask === asked.current) setError(toIpcError(e));
      })
      .finally(() => {
        if (ask === asked.current) setLoading(false);
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
