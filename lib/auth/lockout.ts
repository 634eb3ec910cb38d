/** Consecutive wrong passwords that lock an account. */
export const LOGIN_FAILURES_TO_LOCK = 5;
/**
 * Wrong two-step codes per account, over all its challenges, that lock it as wrong passwords do
 * (each challenge also dies at 5). Reset only by a completed sign-in or a staff unlock, not by a
 * right password: a known password opens fresh challenges but buys no fresh guesses.
 */
export const CODE_FAILURES_TO_LOCK = 10;
/** The first lockout; each further one doubles, up to LOCKOUT_MAX_MS. */
export const LOCKOUT_BASE_MS = 15 * 60_000;
export const LOCKOUT_MAX_MS = 24 * 60 * 60_000;

/** How long the n-th lockout (1-based) lasts: 15 min, 30 min, 1 h, 2 h … capped at 24 h. */
export function lockoutDurationMs(nthLockout: number): number {
  return Math.min(LOCKOUT_BASE_MS * 2 ** Math.max(0, nthLockout - 1), LOCKOUT_MAX_MS);
}

export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && lockedUntil.getTime() > now.getTime();
}
