import { env } from "./env";

/**
 * The only source of "now" for domain code. Outside production `APP_NOW` starts the clock at a
 * given instant and lets it run on from there (docs/decisions/003-clock.md).
 */
export interface Clock {
  now(): Date;
}

function startOffset(): number {
  const start = env().APP_NOW;
  return start ? start.getTime() - Date.now() : 0;
}

let offsetMs: number | undefined;

export const clock: Clock = {
  now() {
    offsetMs ??= startOffset();
    return new Date(Date.now() + offsetMs);
  },
};

/** Moves this process's clock so that it now reads `instant` (tests and worker tooling only). */
export function setClockTo(instant: Date): void {
  offsetMs = instant.getTime() - Date.now();
}

/** Returns the clock to APP_NOW's reading (or the real time). */
export function resetClock(): void {
  offsetMs = undefined;
}
