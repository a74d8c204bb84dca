// Time is a port so that holds, budgets and runway can be tested across days in a test.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

/** The system clock moved by a fixed offset: how the simulation jumps a server's clock past deadlines. */
export function offsetClock(offsetMs: number): Clock {
  return { now: () => new Date(Date.now() + offsetMs) };
}
