import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clock, resetClock, setClockTo } from "@/lib/clock";
import { EnvError, resetEnvCache } from "@/lib/env";

const START = "2026-11-25T14:00:00+09:00";
const REAL_TIME = new Date("2030-06-01T00:00:00Z"); // far from START, so an offset bug shows

function useAppNow(value: string | undefined): void {
  if (value === undefined) delete process.env.APP_NOW;
  else process.env.APP_NOW = value;
  resetEnvCache();
  resetClock();
}

const saved = process.env.APP_NOW;
beforeEach(() => {
  vi.useFakeTimers({ now: REAL_TIME });
});
afterEach(() => {
  vi.useRealTimers();
  useAppNow(saved);
});

describe("clock with APP_NOW", () => {
  it("starts at APP_NOW, whatever the real time", () => {
    useAppNow(START);
    expect(clock.now().toISOString()).toBe(new Date(START).toISOString());
  });

  it("runs on from APP_NOW as real time passes", () => {
    useAppNow(START);
    expect(clock.now().getTime()).toBe(new Date(START).getTime());
    vi.advanceTimersByTime(90_000);
    expect(clock.now().toISOString()).toBe(new Date("2026-11-25T14:01:30+09:00").toISOString());
    vi.setSystemTime(REAL_TIME.getTime() + 3 * 3_600_000 + 90_000);
    expect(clock.now().toISOString()).toBe(new Date("2026-11-25T17:01:30+09:00").toISOString());
  });

  it("runs on with the real clock too (no fake timers)", async () => {
    vi.useRealTimers();
    useAppNow(START);
    const first = clock.now().getTime();
    expect(Math.abs(first - new Date(START).getTime())).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = clock.now().getTime();
    expect(second - first).toBeGreaterThanOrEqual(40);
    expect(second - first).toBeLessThan(5_000);
  });

  it("hands out a new Date each time", () => {
    useAppNow(START);
    const a = clock.now();
    a.setTime(0);
    expect(clock.now().getTime()).toBe(new Date(START).getTime());
  });

  it("refuses an invalid APP_NOW", () => {
    useAppNow("yesterday");
    expect(() => clock.now()).toThrow(EnvError);
  });
});

describe("clock without APP_NOW", () => {
  it("reads the real time", () => {
    useAppNow(undefined);
    expect(clock.now().getTime()).toBe(REAL_TIME.getTime());
    vi.advanceTimersByTime(1_234);
    expect(clock.now().getTime()).toBe(REAL_TIME.getTime() + 1_234);
  });
});

describe("setClockTo / resetClock", () => {
  it("moves the clock to an instant, from where it runs on", () => {
    useAppNow(undefined);
    const target = new Date("2026-12-31T23:59:59.500+09:00");
    setClockTo(target);
    expect(clock.now().toISOString()).toBe(target.toISOString());
    vi.advanceTimersByTime(1_000);
    expect(clock.now().toISOString()).toBe(new Date("2027-01-01T00:00:00.500+09:00").toISOString());
  });

  it("overrides APP_NOW, and resetClock returns to APP_NOW's reading", () => {
    useAppNow(START);
    expect(clock.now().getTime()).toBe(new Date(START).getTime());
    setClockTo(new Date("2026-11-25T17:29:00+09:00"));
    vi.advanceTimersByTime(60_000);
    expect(clock.now().toISOString()).toBe(new Date("2026-11-25T17:30:00+09:00").toISOString());
    resetClock();
    expect(clock.now().getTime()).toBe(new Date(START).getTime());
  });

  it("resetClock returns to the real time without APP_NOW", () => {
    useAppNow(undefined);
    setClockTo(new Date("2001-01-01T00:00:00Z"));
    expect(clock.now().getTime()).toBe(new Date("2001-01-01T00:00:00Z").getTime());
    resetClock();
    expect(clock.now().getTime()).toBe(REAL_TIME.getTime());
  });

  it("can move the clock backwards", () => {
    useAppNow(START);
    setClockTo(new Date("2026-11-24T00:00:00+09:00"));
    expect(clock.now().toISOString()).toBe(new Date("2026-11-24T00:00:00+09:00").toISOString());
  });
});
