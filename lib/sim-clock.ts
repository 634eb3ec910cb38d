import { clock } from "./clock";

/**
 * The simulated clock of one browser (outside production only): a cookie holding the instant the
 * browser wants to live at and the real time it was set, so the simulated time runs on. Nobody
 * else's clock changes; the server's own clock (and the worker) never read it.
 */
export const SIM_CLOCK_COOKIE = "sim_clock";

export function encodeSimClock(target: Date, setAt = Date.now()): string {
  return `${target.getTime()}.${setAt}`;
}

// A simulated time outside this range is refused (it could not be stored, and means nothing here).
const SIM_MIN_MS = Date.UTC(2000, 0, 1);
const SIM_MAX_MS = Date.UTC(2100, 0, 1);

/** The simulated "now" a cookie value gives, or null when it is absent, malformed or out of range. */
export function simulatedNow(value: string | undefined | null, realNow = Date.now()): Date | null {
  if (!value) return null;
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(value);
  if (!m) return null;
  const ms = Number(m[1]) + (realNow - Number(m[2]));
  return ms >= SIM_MIN_MS && ms < SIM_MAX_MS ? new Date(ms) : null;
}

/** "now" for a request: the browser's simulated clock when allowed and present, else the server's. */
export function nowFor(simCookie: string | undefined | null, allowSimulation: boolean): { now: Date; simulated: boolean } {
  const sim = allowSimulation ? simulatedNow(simCookie) : null;
  return sim ? { now: sim, simulated: true } : { now: clock.now(), simulated: false };
}
