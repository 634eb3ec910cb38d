import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reflectionPromise, WITHIN_DEADLINE_PROMISE } from "@/lib/lines/promise";
import { computeReflection, SERVICE_TYPES } from "@/lib/schedule";

const jst = (s: string) => new Date(`${s}+09:00`);

describe("reflectionPromise", () => {
  it("a B2BUA promise made at 16:59 says 17:30 and changes at 17:00:00.000 to 18:30", () => {
    const p = reflectionPromise("B2BUA", jst("2026-11-25T16:59:00"));
    expect(p.key).toBe(jst("2026-11-25T17:30:00").toISOString());
    expect(p.changesAt).toEqual(jst("2026-11-25T17:00:00"));
    expect(reflectionPromise("B2BUA", new Date(p.changesAt.getTime() - 1)).key).toBe(p.key);
    expect(reflectionPromise("B2BUA", p.changesAt).key).toBe(jst("2026-11-25T18:30:00").toISOString());
  });

  it("the 23:00–24:00 window's promise (00:30 next day) changes at midnight", () => {
    const p = reflectionPromise("B2BUA_OPENGATE", jst("2026-11-25T23:10:00"));
    expect(p.key).toBe(jst("2026-11-26T00:30:00").toISOString());
    expect(p.changesAt).toEqual(jst("2026-11-26T00:00:00"));
  });

  it("an IP_PHONE promise is 'within 15 minutes' at any time; its printed deadline is refreshed at the next minute", () => {
    const p = reflectionPromise("IP_PHONE", jst("2026-11-25T14:00:42.5"));
    expect(p.key).toBe(WITHIN_DEADLINE_PROMISE);
    expect(reflectionPromise("IP_PHONE", jst("2026-11-26T03:59:59")).key).toBe(WITHIN_DEADLINE_PROMISE);
    expect(p.changesAt).toEqual(jst("2026-11-25T14:01:00"));
  });

  it("for any instant and batch service: the key holds until changesAt, and differs at changesAt", () => {
    const instant = fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2027-12-31T00:00:00Z"), noInvalidDate: true });
    fc.assert(
      fc.property(instant, fc.constantFrom(...SERVICE_TYPES.filter((s) => s !== "IP_PHONE")), fc.double({ min: 0, max: 1, noNaN: true }), (now, service, f) => {
        const p = reflectionPromise(service, now);
        expect(p.changesAt.getTime()).toBeGreaterThan(now.getTime());
        const inside = new Date(now.getTime() + Math.floor(f * (p.changesAt.getTime() - 1 - now.getTime())));
        expect(reflectionPromise(service, inside).key).toBe(p.key);
        expect(reflectionPromise(service, p.changesAt).key).not.toBe(p.key);
        // A batch promise is the reflection time itself.
        expect(p.key).toBe(computeReflection(service, now).dueAt.toISOString());
      }),
      { numRuns: 300 },
    );
  });
});
