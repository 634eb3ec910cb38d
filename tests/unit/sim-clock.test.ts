import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetClock, setClockTo } from "@/lib/clock";
import { encodeSimClock, nowFor, simulatedNow } from "@/lib/sim-clock";
import { staffActionSchema } from "@/lib/support/schemas";

const SEC = 1_000;
const MIN = 60 * SEC;
/** The real (server) time of these tests: far from the simulated one, so a mix-up shows. */
const REAL = new Date("2030-06-01T00:00:00.000Z");
/** What QA wants to live at: 2026-12-31 23:59 in Japan. */
const TARGET = new Date("2026-12-31T23:59:00+09:00");

beforeEach(() => {
  vi.useFakeTimers({ now: REAL });
  resetClock();
});
afterEach(() => {
  vi.useRealTimers();
  resetClock();
});

describe("simulated clock cookie", () => {
  it("round-trips: the instant set is the instant read back at once", () => {
    const cookie = encodeSimClock(TARGET, REAL.getTime());
    expect(simulatedNow(cookie, REAL.getTime())?.toISOString()).toBe(TARGET.toISOString());
    // The default setAt is the real time now.
    expect(simulatedNow(encodeSimClock(TARGET), REAL.getTime())?.toISOString()).toBe(TARGET.toISOString());
  });

  it("runs on: as real time advances, the simulated time advances by the same amount", () => {
    const cookie = encodeSimClock(TARGET, REAL.getTime());
    for (const elapsed of [SEC, 90 * SEC, 2 * MIN, 25 * 60 * MIN]) {
      expect(simulatedNow(cookie, REAL.getTime() + elapsed)?.getTime()).toBe(TARGET.getTime() + elapsed);
    }
    // 23:59 + 2 minutes is the next year in Japan.
    expect(simulatedNow(cookie, REAL.getTime() + 2 * MIN)?.toISOString()).toBe("2026-12-31T15:01:00.000Z");
  });

  it("runs on with the real clock when no realNow is given", () => {
    const cookie = encodeSimClock(TARGET);
    vi.advanceTimersByTime(5 * MIN);
    expect(simulatedNow(cookie)?.getTime()).toBe(TARGET.getTime() + 5 * MIN);
  });

  it.each([
    ["absent", undefined],
    ["null", null],
    ["empty", ""],
    ["not a number", "abc"],
    ["three parts", "1.2.3"],
    ["one part", "1796050740000"],
    ["a missing part", "1796050740000."],
    ["a float", "1796050740000.5e3"],
    ["spaces", " 1796050740000.1796050740000"],
    ["a trailing garbage", "1796050740000.1796050740000x"],
    ["a huge target", `${"9".repeat(40)}.${REAL.getTime()}`],
    ["a huge setAt", `${TARGET.getTime()}.${"9".repeat(40)}`],
    ["a target past the end of Date", `9${"0".repeat(15)}.${REAL.getTime()}`],
    ["an Infinity", `Infinity.${REAL.getTime()}`],
    ["a NaN", `NaN.${REAL.getTime()}`],
    ["a negative setAt", `${TARGET.getTime()}.-5`],
  ])("ignores a malformed cookie (%s)", (_what, value) => {
    expect(simulatedNow(value, REAL.getTime())).toBeNull();
  });

  // A cookie is user input: values that parse but make no sense as "now" must not reach the
  // domain (a year -29,000 timestamp is out of PostgreSQL's timestamptz range and would fail the request).
  it.each([
    ["a negative target", `-1.${REAL.getTime()}`],
    ["a very negative target", `-999999999999999.${REAL.getTime()}`],
    ["a 15-digit target (year 33658)", `999999999999999.${REAL.getTime()}`],
    ["a 15-digit setAt far in the future", `${TARGET.getTime()}.999999999999999`],
  ])("rejects an implausible instant (%s)", (_what, value) => {
    expect(simulatedNow(value, REAL.getTime())).toBeNull();
  });
});

describe("nowFor: the production guard", () => {
  const cookie = () => encodeSimClock(TARGET, Date.now());

  it("ignores the cookie when simulation is not allowed (production): the server clock, not simulated", () => {
    const r = nowFor(cookie(), false);
    expect(r.simulated).toBe(false);
    expect(r.now.toISOString()).toBe(REAL.toISOString());
  });

  it("reads the server clock through lib/clock (APP_NOW / setClockTo), never the cookie, when not allowed", () => {
    const server = new Date("2026-11-25T05:00:00.000Z");
    setClockTo(server);
    const r = nowFor(cookie(), false);
    expect(r).toEqual({ now: server, simulated: false });
  });

  it("uses the cookie when simulation is allowed, says so, and runs on", () => {
    const value = cookie();
    const r = nowFor(value, true);
    expect(r.simulated).toBe(true);
    expect(r.now.toISOString()).toBe(TARGET.toISOString());
    vi.advanceTimersByTime(MIN);
    expect(nowFor(value, true)).toEqual({ now: new Date(TARGET.getTime() + MIN), simulated: true });
    // The server's own clock is untouched by anyone's cookie.
    expect(nowFor(value, false)).toEqual({ now: new Date(REAL.getTime() + MIN), simulated: false });
  });

  it("falls back to the server clock when allowed but the cookie is absent or malformed", () => {
    for (const value of [undefined, null, "", "abc", "1.2.3"]) {
      expect(nowFor(value, true)).toEqual({ now: REAL, simulated: false });
    }
  });
});

describe("staffActionSchema", () => {
  const messages = (input: unknown) => {
    const r = staffActionSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}:${i.message}`);
  };

  it("accepts a reason of 5 to 500 characters with confirm true, trimmed", () => {
    const r = staffActionSchema.safeParse({ reason: "  電話で本人確認済み  ", confirm: true });
    expect(r.success).toBe(true);
    expect(r.data).toEqual({ reason: "電話で本人確認済み", confirm: true });
    expect(staffActionSchema.safeParse({ reason: "abcde", confirm: true }).success).toBe(true);
    expect(staffActionSchema.safeParse({ reason: "x".repeat(500), confirm: true }).success).toBe(true);
  });

  it("refuses control characters in the reason, but not tabs and line breaks (it is stored in the audit log)", () => {
    expect(messages({ reason: "本人確認\u0000済み", confirm: true })).toEqual(["reason:errors.invalidCharacters"]);
    expect(messages({ reason: "本人確認\u001b済み", confirm: true })).toEqual(["reason:errors.invalidCharacters"]);
    expect(staffActionSchema.safeParse({ reason: "電話で\n本人確認\t済み\r\n", confirm: true }).success).toBe(true);
  });

  it("requires a reason of at least 5 characters (after trimming)", () => {
    expect(messages({ reason: "abcd", confirm: true })).toEqual(["reason:errors.reasonRequired"]);
    expect(messages({ reason: "   abcd    ", confirm: true })).toEqual(["reason:errors.reasonRequired"]);
    expect(messages({ reason: "", confirm: true })).toEqual(["reason:errors.reasonRequired"]);
    expect(messages({ confirm: true })).toEqual(["reason:errors.reasonRequired"]);
    expect(messages({ reason: 12345, confirm: true })).toEqual(["reason:errors.reasonRequired"]);
  });

  it("refuses a reason over 500 characters", () => {
    expect(messages({ reason: "x".repeat(501), confirm: true })).toEqual(["reason:errors.reasonTooLong"]);
  });

  it("requires confirm to be exactly true", () => {
    expect(messages({ reason: "locked out by typo", confirm: false })).toEqual(["confirm:errors.confirmRequired"]);
    expect(messages({ reason: "locked out by typo" })).toEqual(["confirm:errors.confirmRequired"]);
    expect(messages({ reason: "locked out by typo", confirm: "true" })).toEqual(["confirm:errors.confirmRequired"]);
    expect(messages({ reason: "abc", confirm: false })).toEqual(["reason:errors.reasonRequired", "confirm:errors.confirmRequired"]);
  });
});
