// One connection, many callers: the SQLite store's transactions are asynchronous, so
// while one awaits between its statements another caller's code may run. This lock makes
// them take turns, first come first served, so a transaction never sees (or joins) the
// half-done work of another. Taking a free lock costs no promise.

export interface TurnLock {
  /** True while a caller holds the lock. */
  readonly held: boolean;
  /** Takes the lock at once when it is free (true), or returns false. */
  tryTake(): boolean;
  /** Resolves once the caller holds the lock. */
  take(): Promise<void>;
  /** Hands the lock to the next waiter, or frees it. */
  give(): void;
}

export function turnLock(): TurnLock {
  let held = false;
  const waiting: (() => void)[] = [];
  return {
    get held() {
      return held;
    },
    tryTake() {
      if (held) return false;
      held = true;
      return true;
    },
    take() {
      if (!held) {
        held = true;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    give() {
      const next = waiting.shift();
      // The next waiter inherits the lock: it is never free in between, so no late caller jumps the queue.
      if (next) next();
      else held = false;
    },
  };
}
