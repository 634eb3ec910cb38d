import { env } from "./env";

/**
 * The only source of "now" for domain code. Outside production `APP_NOW` starts the clock at a
 * given instant and lets it run on from there (docs/decisions/003-clock.md).
 */
export interface Clock {
  now(): Date;
  /** True when the clock is not the host's own (APP_NOW, or moved by setClockTo). */
  simulated(): boolean;
}

function startOffset(): number {
  const start = env().APP_NOW;
  return start ? start.getTime() - Date.now() : 0;
}

let offsetMs: number | undefined;
let moved = false;

export const clock: Clock = {
  now() {
    offsetMs ??= startOffset();
    return new Date(Date.now() + offsetMs);
  },
  simulated() {
    return moved || env().APP_NOW !== undefined;
  },
};


/** Moves this process's clock so that it now reads `instant` (tests and worker tooling only). */
export function setClockTo(instant: Date): void {
  offsetMs = instant.getTime() - Date.now();
  moved = true;
}

/** Returns the clock to APP_NOW's reading (or the real time). */
export function resetClock(): void {
  offsetMs = undefined;
  moved = false;
}
