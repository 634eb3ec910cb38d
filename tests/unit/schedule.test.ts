import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceType as ServiceTypeEnum } from "@/generated/prisma/enums";
import { B2BUA_WINDOWS, computeReflection, promiseOf, SCHEDULES, SERVICE_TYPES, windowForHour, type ServiceType } from "@/lib/schedule";

// Every expected value below is a literal Japan-time instant (SPEC.md, "Reflection schedule"),
// never a re-computation of the rule. The suite is run under TZ=UTC and TZ=America/New_York
// (scripts/test.mjs) and additionally switches the process zone itself (see the last block).

const jst = (iso: string) => new Date(iso);
const BATCH_SERVICES = ["B2BUA", "B2BUA_OPENGATE"] as const satisfies readonly ServiceType[];

/** [requested at (JST), reflected at (JST)] — every row, both sides of every boundary, to the ms. */
const TABLE_CASES: ReadonlyArray<readonly [string, string]> = [
  // 0:00–1:00 → 1:30
  ["2026-11-25T00:00:00.000+09:00", "2026-11-25T01:30:00.000+09:00"],
  ["2026-11-25T00:30:00.000+09:00", "2026-11-25T01:30:00.000+09:00"],
  ["2026-11-25T00:59:59.999+09:00", "2026-11-25T01:30:00.000+09:00"],
  // 1:00–2:00 → 2:30
  ["2026-11-25T01:00:00.000+09:00", "2026-11-25T02:30:00.000+09:00"],
  ["2026-11-25T01:45:00.000+09:00", "2026-11-25T02:30:00.000+09:00"],
  ["2026-11-25T01:59:59.999+09:00", "2026-11-25T02:30:00.000+09:00"],
  // 2:00–17:00 → 17:30
  ["2026-11-25T02:00:00.000+09:00", "2026-11-25T17:30:00.000+09:00"],
  ["2026-11-25T09:00:00.000+09:00", "2026-11-25T17:30:00.000+09:00"],
  ["2026-11-25T14:00:00.000+09:00", "2026-11-25T17:30:00.000+09:00"],
  ["2026-11-25T16:59:59.999+09:00", "2026-11-25T17:30:00.000+09:00"],
  // 17:00–18:00 → 18:30 (even at 17:10, before the 17:30 batch: the table says 18:30)
  ["2026-11-25T17:00:00.000+09:00", "2026-11-25T18:30:00.000+09:00"],
  ["2026-11-25T17:10:00.000+09:00", "2026-11-25T18:30:00.000+09:00"],
  ["2026-11-25T17:59:59.999+09:00", "2026-11-25T18:30:00.000+09:00"],
  // 18:00–19:00 → 19:30
  ["2026-11-25T18:00:00.000+09:00", "2026-11-25T19:30:00.000+09:00"],
  ["2026-11-25T18:59:59.999+09:00", "2026-11-25T19:30:00.000+09:00"],
  // 19:00–20:00 → 20:30
  ["2026-11-25T19:00:00.000+09:00", "2026-11-25T20:30:00.000+09:00"],
  ["2026-11-25T19:59:59.999+09:00", "2026-11-25T20:30:00.000+09:00"],
  // 20:00–21:00 → 21:30
  ["2026-11-25T20:00:00.000+09:00", "2026-11-25T21:30:00.000+09:00"],
  ["2026-11-25T20:59:59.999+09:00", "2026-11-25T21:30:00.000+09:00"],
  // 21:00–22:00 → 22:30
  ["2026-11-25T21:00:00.000+09:00", "2026-11-25T22:30:00.000+09:00"],
  ["2026-11-25T21:59:59.999+09:00", "2026-11-25T22:30:00.000+09:00"],
  // 22:00–23:00 → 23:30
  ["2026-11-25T22:00:00.000+09:00", "2026-11-25T23:30:00.000+09:00"],
  ["2026-11-25T22:59:59.999+09:00", "2026-11-25T23:30:00.000+09:00"],
  // 23:00–0:00 → 0:30 the next day
  ["2026-11-25T23:00:00.000+09:00", "2026-11-26T00:30:00.000+09:00"],
  ["2026-11-25T23:30:00.000+09:00", "2026-11-26T00:30:00.000+09:00"],
  ["2026-11-25T23:59:59.999+09:00", "2026-11-26T00:30:00.000+09:00"],
  // ... and the next day starts again at the first row
  ["2026-11-26T00:00:00.000+09:00", "2026-11-26T01:30:00.000+09:00"],
];

/** The 23:00–0:00 row across month ends, a year end and leap days. */
const ROLLOVER_CASES: ReadonlyArray<readonly [string, string]> = [
  ["2026-11-30T23:10:00.000+09:00", "2026-12-01T00:30:00.000+09:00"],
  ["2026-12-31T23:10:00.000+09:00", "2027-01-01T00:30:00.000+09:00"],
  ["2026-12-31T23:59:59.999+09:00", "2027-01-01T00:30:00.000+09:00"],
  ["2027-01-01T00:00:00.000+09:00", "2027-01-01T01:30:00.000+09:00"],
  ["2027-02-28T23:00:00.000+09:00", "2027-03-01T00:30:00.000+09:00"],
  ["2028-02-28T23:30:00.000+09:00", "2028-02-29T00:30:00.000+09:00"],
  ["2028-02-29T23:59:59.999+09:00", "2028-03-01T00:30:00.000+09:00"],
  ["2026-04-30T23:00:00.000+09:00", "2026-05-01T00:30:00.000+09:00"],
];

/**
 * Instants where the Japan date differs from the UTC date or where other zones change their
 * clocks (US and EU daylight saving 2026): a host-zone bug would show here.
 */
const ZONE_TRAP_CASES: ReadonlyArray<readonly [string, string]> = [
  ["2026-11-25T08:59:59.999+09:00", "2026-11-25T17:30:00.000+09:00"], // 23:59:59.999 UTC the day before
  ["2026-11-25T09:00:00.000+09:00", "2026-11-25T17:30:00.000+09:00"], // 00:00 UTC
  ["2026-03-08T15:59:59.999+09:00", "2026-03-08T17:30:00.000+09:00"], // just before New York springs forward
  ["2026-03-08T16:00:00.000+09:00", "2026-03-08T17:30:00.000+09:00"], // New York 03:00 EDT
  ["2026-03-08T17:00:00.000+09:00", "2026-03-08T18:30:00.000+09:00"],
  ["2026-11-01T14:59:59.999+09:00", "2026-11-01T17:30:00.000+09:00"], // New York falls back at 15:00 JST
  ["2026-11-01T15:00:00.000+09:00", "2026-11-01T17:30:00.000+09:00"],
  ["2026-11-01T15:30:00.000+09:00", "2026-11-01T17:30:00.000+09:00"], // New York's repeated 01:30
  ["2026-03-29T10:00:00.000+09:00", "2026-03-29T17:30:00.000+09:00"], // Europe springs forward at 01:00 UTC
  ["2026-03-29T23:15:00.000+09:00", "2026-03-30T00:30:00.000+09:00"],
];

describe("computeReflection: the B2BUA table (SPEC.md)", () => {
  for (const service of BATCH_SERVICES) {
    describe(service, () => {
      it.each(TABLE_CASES)("changed at %s is reflected at %s", (requested, reflected) => {
        const { dueAt, deadline } = computeReflection(service, jst(requested));
        expect(dueAt.toISOString()).toBe(jst(reflected).toISOString());
        expect(deadline.toISOString()).toBe(jst(reflected).toISOString());
      });

      it.each(ROLLOVER_CASES)("23:00–0:00 rolls to the next day: %s → %s", (requested, reflected) => {
        expect(computeReflection(service, jst(requested)).dueAt.toISOString()).toBe(jst(reflected).toISOString());
      });

      it.each(ZONE_TRAP_CASES)("uses the Japan date and hour, not the host's or UTC's: %s → %s", (requested, reflected) => {
        expect(computeReflection(service, jst(requested)).dueAt.toISOString()).toBe(jst(reflected).toISOString());
      });

      it("follows the manual's example: a change at 14:00 is reflected at 17:30 the same day", () => {
        const { dueAt } = computeReflection(service, jst("2026-11-25T14:00:00+09:00"));
        expect(dueAt.getTime()).toBe(jst("2026-11-25T17:30:00+09:00").getTime());
        // ... so the line is out of service for exactly 3.5 hours.
        expect(dueAt.getTime() - jst("2026-11-25T14:00:00+09:00").getTime()).toBe(3.5 * 3_600_000);
      });

      it("has dueAt equal to deadline, as distinct Date objects", () => {
        const result = computeReflection(service, jst("2026-11-25T10:20:30.456+09:00"));
        expect(result.deadline.getTime()).toBe(result.dueAt.getTime());
        expect(result.deadline).not.toBe(result.dueAt);
        result.dueAt.setTime(0);
        expect(result.deadline.getTime()).toBe(jst("2026-11-25T17:30:00+09:00").getTime());
      });

      it("does not change the Date it is given", () => {
        const requested = jst("2026-11-25T23:10:00+09:00");
        computeReflection(service, requested);
        expect(requested.toISOString()).toBe("2026-11-25T14:10:00.000Z");
      });
    });
  }

  it("treats B2BUA and B2BUA_OPENGATE identically", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }), (t) => {
        expect(computeReflection("B2BUA_OPENGATE", t)).toEqual(computeReflection("B2BUA", t));
      }),
    );
  });
});

describe("computeReflection: properties of the B2BUA schedule", () => {
  const instants = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true });
  const JST_OFFSET_MS = 9 * 3_600_000; // Japan has had no daylight saving since 1951.

  it("reflects strictly later, at most 15.5 hours later (2:00 → 17:30), always at :30:00.000 Japan time", () => {
    fc.assert(
      fc.property(instants, (t) => {
        const { dueAt } = computeReflection("B2BUA", t);
        const wait = dueAt.getTime() - t.getTime();
        expect(wait).toBeGreaterThan(0);
        expect(wait).toBeLessThanOrEqual(15.5 * 3_600_000);
        // minutes-of-day in Japan: x:30:00.000
        expect((dueAt.getTime() + JST_OFFSET_MS) % 3_600_000).toBe(30 * 60_000);
      }),
      { numRuns: 1000 },
    );
  });

  it("never reflects a later request earlier than an earlier one (monotone)", () => {
    fc.assert(
      fc.property(instants, fc.integer({ min: 0, max: 48 * 3_600_000 }), (t, delta) => {
        const later = new Date(t.getTime() + delta);
        expect(computeReflection("B2BUA", later).dueAt.getTime()).toBeGreaterThanOrEqual(computeReflection("B2BUA", t).dueAt.getTime());
      }),
      { numRuns: 1000 },
    );
  });
});

describe("computeReflection: IP_PHONE (随時, within 15 minutes)", () => {
  it.each([
    "2026-11-25T14:00:00.000+09:00",
    "2026-11-25T16:59:59.999+09:00",
    "2026-11-25T23:59:59.999+09:00",
    "2026-12-31T23:50:00.000+09:00",
  ])("is due at once and promised within 15 minutes: %s", (requested) => {
    const t = jst(requested);
    const { dueAt, deadline } = computeReflection("IP_PHONE", t);
    expect(dueAt.getTime()).toBe(t.getTime());
    expect(deadline.getTime()).toBe(t.getTime() + 15 * 60_000);
  });

  it("crosses the year end with the 15 minutes", () => {
    const { deadline } = computeReflection("IP_PHONE", jst("2026-12-31T23:50:00.000+09:00"));
    expect(deadline.toISOString()).toBe(jst("2027-01-01T00:05:00.000+09:00").toISOString());
  });

  it("returns new Date objects, not the caller's", () => {
    const t = jst("2026-11-25T14:00:00+09:00");
    const { dueAt } = computeReflection("IP_PHONE", t);
    expect(dueAt).not.toBe(t);
    dueAt.setTime(0);
    expect(t.toISOString()).toBe("2026-11-25T05:00:00.000Z");
  });
});

describe("computeReflection: invalid input", () => {
  it.each(["IP_PHONE", "B2BUA", "B2BUA_OPENGATE"] as const)("throws RangeError on an invalid Date (%s)", (service) => {
    expect(() => computeReflection(service, new Date("not a date"))).toThrow(RangeError);
    expect(() => computeReflection(service, new Date(Number.NaN))).toThrow(RangeError);
  });

  it("throws RangeError on something that is not a Date", () => {
    expect(() => computeReflection("B2BUA", Date.now() as unknown as Date)).toThrow(RangeError);
    expect(() => computeReflection("B2BUA", "2026-11-25T14:00:00+09:00" as unknown as Date)).toThrow(RangeError);
  });

  it("throws RangeError on an unknown service type", () => {
    expect(() => computeReflection("ANALOG" as ServiceType, jst("2026-11-25T14:00:00+09:00"))).toThrow(RangeError);
  });
});

describe("B2BUA_WINDOWS (the table the UI renders)", () => {
  it("is exactly the manual's table", () => {
    expect(B2BUA_WINDOWS.map((w) => [w.fromHour, w.toHour, w.at.hour, w.at.minute, w.at.nextDay])).toEqual([
      [0, 1, 1, 30, false],
      [1, 2, 2, 30, false],
      [2, 17, 17, 30, false],
      [17, 18, 18, 30, false],
      [18, 19, 19, 30, false],
      [19, 20, 20, 30, false],
      [20, 21, 21, 30, false],
      [21, 22, 22, 30, false],
      [22, 23, 23, 30, false],
      [23, 24, 0, 30, true],
    ]);
  });

  it("covers 0..24 with no gap and no overlap", () => {
    expect(B2BUA_WINDOWS[0]?.fromHour).toBe(0);
    expect(B2BUA_WINDOWS.at(-1)?.toHour).toBe(24);
    B2BUA_WINDOWS.forEach((w, i) => {
      expect(w.fromHour).toBeLessThan(w.toHour);
      const next = B2BUA_WINDOWS[i + 1];
      if (next) expect(next.fromHour).toBe(w.toHour);
    });
    for (let hour = 0; hour < 24; hour++) {
      const rows = B2BUA_WINDOWS.filter((w) => hour >= w.fromHour && hour < w.toHour);
      expect(rows, `hour ${hour}`).toHaveLength(1);
      expect(windowForHour(hour)).toBe(rows[0]);
    }
  });

  it("reflects every row after the row's own end (no batch in the past)", () => {
    for (const w of B2BUA_WINDOWS) {
      const reflectedMinuteOfDay = (w.at.nextDay ? 24 * 60 : 0) + w.at.hour * 60 + w.at.minute;
      expect(reflectedMinuteOfDay).toBeGreaterThanOrEqual(w.toHour * 60);
    }
  });

  it("rejects hours outside 0..23", () => {
    expect(() => windowForHour(24)).toThrow(RangeError);
    expect(() => windowForHour(-1)).toThrow(RangeError);
  });
});

describe(`computeReflection does not depend on the process time zone (running under TZ=${process.env.TZ ?? "(unset)"})`, () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  const zones = ["UTC", "Asia/Tokyo", "America/New_York", "Europe/London", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe"];
  const samples = [...TABLE_CASES, ...ROLLOVER_CASES, ...ZONE_TRAP_CASES];

  it.each(zones)("gives the same Japan-time answers with process.env.TZ=%s", (zone) => {
    process.env.TZ = zone;
    // Node re-reads TZ when it is assigned: prove the host zone really changed for this check.
    const hostOffset = new Date("2026-01-15T12:00:00Z").getTimezoneOffset();
    const expectedHostOffset: Record<string, number> = {
      UTC: 0,
      "Asia/Tokyo": -540,
      "America/New_York": 300,
      "Europe/London": 0,
      "Pacific/Kiritimati": -840,
      "Pacific/Pago_Pago": 660,
      "Australia/Lord_Howe": -660,
    };
    expect(hostOffset, `host zone switch to ${zone} did not take effect`).toBe(expectedHostOffset[zone]);

    for (const service of BATCH_SERVICES) {
      for (const [requested, reflected] of samples) {
        expect(computeReflection(service, jst(requested)).dueAt.toISOString(), `${service} ${requested} under TZ=${zone}`).toBe(
          jst(reflected).toISOString(),
        );
      }
    }
    const ip = computeReflection("IP_PHONE", jst("2026-11-25T23:59:59.999+09:00"));
    expect(ip.deadline.toISOString()).toBe("2026-11-25T15:14:59.999Z");
  });

  it("matches the answers computed under the zone the suite was started with", () => {
    const underStartZone = samples.map(([requested]) => computeReflection("B2BUA", jst(requested)).dueAt.getTime());
    process.env.TZ = "Pacific/Kiritimati"; // UTC+14: the Japan date and the host date differ most
    const underOtherZone = samples.map(([requested]) => computeReflection("B2BUA", jst(requested)).dueAt.getTime());
    expect(underOtherZone).toEqual(underStartZone);
  });
});

describe("SCHEDULES and promiseOf (the one per-service table)", () => {
  it("has one row per service of the database enum, in its order", () => {
    expect(SERVICE_TYPES).toEqual(Object.values(ServiceTypeEnum));
  });

  it("promises a batch line its dueAt and any other line its deadline", () => {
    const dueAt = new Date("2026-11-25T08:30:00Z");
    const deadline = new Date("2026-11-25T08:45:00Z");
    for (const service of SERVICE_TYPES) {
      const p = promiseOf({ service, dueAt, deadline });
      if (SCHEDULES[service].kind === "batch") expect(p).toEqual({ kind: "batch", at: dueAt });
      else expect(p).toEqual({ kind: "within", by: deadline });
    }
    expect(promiseOf({ service: "B2BUA", dueAt, deadline }).kind).toBe("batch");
    expect(promiseOf({ service: "IP_PHONE", dueAt, deadline }).kind).toBe("within");
  });
});
