// A value held outside any component, in memory only, that components read with
// `useSyncExternalStore(store.subscribe, store.current)`: what must outlive the screen that
// started it (a phrase not yet written down, a re-encryption still running).

export type Store<T> = {
  current: () => T;
  subscribe: (listener: () => void) => () => void;
  set: (next: T) => void;
};

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    current: () => value,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    set(next) {
      value = next;
      for (const listener of listeners) listener();
    },
  };
}
