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

/** The simulated "now" a cookie value gives, or null when it is absent or malformed. */
export function simulatedNow(value: string | undefined | null, realNow = Date.now()): Date | null {
  if (!value) return null;
  const m = /^(-?\d{1,15})\.(\d{1,15})$/.exec(value);
  if (!m) return null;
  const target = Number(m[1]);
  const setAt = Number(m[2]);
  const d = new Date(target + (realNow - setAt));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "now" for a request: the browser's simulated clock when allowed and present, else the server's. */
export function nowFor(simCookie: string | undefined | null, allowSimulation: boolean): { now: Date; simulated: boolean } {
  const sim = allowSimulation ? simulatedNow(simCookie) : null;
  return sim ? { now: sim, simulated: true } : { now: clock.now(), simulated: false };
}
