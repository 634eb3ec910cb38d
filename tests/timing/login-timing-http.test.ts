import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClient, serverActions, startPortal, type Portal } from "../e2e/http-client";
import { compareGroups } from "./stats";

// Issue 14, item 7, as the attacker measured it: over HTTP against the production build (embedded
// PGlite with the reflection worker and the outbox sender in the same process, or PostgreSQL when
// TEST_DATABASE_URL is set). Needs `npm run build` first. Same criteria as login-timing.test.ts.
//   npm run build && npm run test:timing

const SAMPLES = Number(process.env.TIMING_SAMPLES ?? 250);
const PASSWORD = "Timing-pass-2026";

let portal: Portal;
beforeAll(async () => {
  portal = await startPortal({ name: "timing" });
}, 180_000);
afterAll(async () => {
  await portal?.stop();
});

describe("sign-in timing over HTTP", () => {
  it(`${SAMPLES} interleaved requests per group: unknown ID, wrong password, locked account`, { timeout: 900_000 }, async () => {
    const loginAction = serverActions()("loginAction");
    for (const selfcareId of ["timing01", "timing02"]) {
      const r = await portal.testApi("/api/test/customers", { method: "POST", body: { selfcareId, password: PASSWORD, email: `${selfcareId}@example.jp`, lines: [] } });
      expect(r.status, r.text).toBe(201);
    }
    let n = 0;
    // A client address of its own for every request: the per-address limit (30 per 15 minutes) never applies.
    const attempt = async (selfcareId: string, password: string) => {
      n++;
      const client = new HttpClient(portal.base, `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`);
      const r = await client.action(loginAction, [{ selfcareId, password }]);
      if (r.status !== 200 || !r.errorKeys.includes("errors.invalidCredentials")) throw new Error(`unexpected answer ${r.status} ${r.text.slice(0, 200)}`);
      return r.ms;
    };
    // Lock timing02 (5 wrong passwords).
    for (let i = 0; i < 5; i++) await attempt("timing02", `wrong-${i}`);
    let wrong = 0;
    const groups = {
      unknown: () => attempt(`ghost${n}`, PASSWORD),
      wrongPassword: async () => {
        // Four wrong, then a right one (not measured) resets the count: timing01 never locks.
        const ms = await attempt("timing01", `wrong-${n}`);
        if (++wrong % 4 === 0) {
          const client = new HttpClient(portal.base, "10.255.255.254");
          await client.action(loginAction, [{ selfcareId: "timing01", password: PASSWORD }]);
        }
        return ms;
      },
      locked: () => attempt("timing02", PASSWORD),
    };
    type Group = keyof typeof groups;
    const times: Record<Group, number[]> = { unknown: [], wrongPassword: [], locked: [] };
    for (let i = 0; i < 10; i++) for (const g of Object.keys(groups) as Group[]) await groups[g]();
    for (let i = 0; i < SAMPLES; i++) {
      for (const g of (Object.keys(groups) as Group[]).sort(() => Math.random() - 0.5)) times[g].push(await groups[g]());
    }
    const { report, problems } = compareGroups(times, "unknown");
    console.log(`sign-in timing over HTTP on ${portal.database}, ${SAMPLES} samples per group:\n  ${report.join("\n  ")}`);
    expect(problems, report.join("\n")).toEqual([]);
  });
});
