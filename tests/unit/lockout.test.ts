import { describe, expect, it } from "vitest";
import { LOCKOUT_BASE_MS, LOCKOUT_MAX_MS, LOGIN_FAILURES_TO_LOCK, isLocked, lockoutDurationMs } from "@/lib/auth/lockout";

const MIN = 60_000;
const HOUR = 60 * MIN;

describe("lockout constants", () => {
  it("lock after 5 consecutive failures, 15 minutes at first, never more than 24 hours", () => {
    expect(LOGIN_FAILURES_TO_LOCK).toBe(5);
    expect(LOCKOUT_BASE_MS).toBe(15 * MIN);
    expect(LOCKOUT_MAX_MS).toBe(24 * HOUR);
  });
});

describe("lockoutDurationMs", () => {
  it("doubles from 15 minutes with each lockout", () => {
    expect(lockoutDurationMs(1)).toBe(15 * MIN);
    expect(lockoutDurationMs(2)).toBe(30 * MIN);
    expect(lockoutDurationMs(3)).toBe(1 * HOUR);
    expect(lockoutDurationMs(4)).toBe(2 * HOUR);
    expect(lockoutDurationMs(5)).toBe(4 * HOUR);
    expect(lockoutDurationMs(6)).toBe(8 * HOUR);
    expect(lockoutDurationMs(7)).toBe(16 * HOUR);
  });

  it("is capped at 24 hours", () => {
    expect(lockoutDurationMs(8)).toBe(24 * HOUR); // 32 h uncapped
    expect(lockoutDurationMs(9)).toBe(24 * HOUR);
    expect(lockoutDurationMs(50)).toBe(24 * HOUR);
    expect(lockoutDurationMs(10_000)).toBe(24 * HOUR); // 2 ** 9999 is Infinity: still capped
  });

  it("never shrinks as lockouts repeat", () => {
    let previous = 0;
    for (let n = 1; n <= 40; n++) {
      const d = lockoutDurationMs(n);
      expect(d).toBeGreaterThanOrEqual(previous);
      expect(d).toBeLessThanOrEqual(LOCKOUT_MAX_MS);
      previous = d;
    }
  });

  it("treats a count below 1 as the first lockout", () => {
    expect(lockoutDurationMs(0)).toBe(15 * MIN);
    expect(lockoutDurationMs(-3)).toBe(15 * MIN);
  });
});

describe("isLocked", () => {
  const until = new Date("2026-11-25T05:15:00.000Z");
  const at = (ms: number) => new Date(until.getTime() + ms);

  it("is not locked without a lockedUntil", () => {
    expect(isLocked(null, until)).toBe(false);
  });

  it("is locked strictly before lockedUntil", () => {
    expect(isLocked(until, at(-15 * MIN))).toBe(true);
    expect(isLocked(until, at(-1))).toBe(true);
  });

  it("is unlocked exactly at lockedUntil and after", () => {
    expect(isLocked(until, until)).toBe(false);
    expect(isLocked(until, at(1))).toBe(false);
    expect(isLocked(until, at(HOUR))).toBe(false);
  });

  it("compares instants, not Date identity", () => {
    expect(isLocked(new Date(until.getTime()), new Date(until.getTime() - 1))).toBe(true);
  });
});
