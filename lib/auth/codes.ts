import { randomInt } from "node:crypto";

export const CODE_LENGTH = 6;
export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;

/** A 6-digit code from the CSPRNG (leading zeros kept). */
export function generateCode(): string {
  return String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, "0");
}

/** "demo0001@example.jp" → "d***@example.jp": enough to recognise, not enough to learn. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${email[0]}***${email.slice(at)}`;
}

export type ChallengeState = "open" | "expired" | "consumed" | "dead";

/** Where a challenge stands at `now` (attempts at the limit or invalidated = dead). */
export function challengeState(
  c: { expiresAt: Date; attempts: number; consumedAt: Date | null; invalidatedAt: Date | null },
  now: Date,
): ChallengeState {
  if (c.consumedAt) return "consumed";
  if (c.invalidatedAt || c.attempts >= CODE_MAX_ATTEMPTS) return "dead";
  if (now.getTime() >= c.expiresAt.getTime()) return "expired";
  return "open";
}
