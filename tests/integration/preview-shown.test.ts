import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PREVIEW_SHOWN_PER_LINE_PER_DAY, recordPreviewShown } from "@/lib/lines/preview-shown";
import { reflectionPreview } from "@/lib/lines/queries";
import type { ServiceType } from "@/lib/schedule";
import { lineTimeline } from "@/lib/support/timeline";
import { createTestCustomer } from "@/testing/data";
import { installTestSecrets } from "@/testing/changes";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// The support timeline's "preview shown": one audit row per form (its idempotency key), line and
// promise shown — however often and however concurrently the input screen asks — a new one when
// the promise changes (16:59 → 17:00 turns 17:30 into 18:30), a per-line daily cap, and the
// timeline entry carrying the promise that was shown.
installTestSecrets();
const B2BUA = "05077780001";
const IP_PHONE = "05077780002";
const CAPPED = "05077780003";
const CLIENT = { ip: "203.0.113.7", userAgent: "preview test" };
const jst = (hhmm: string, day = "2026-11-25") => new Date(`${day}T${hhmm}:00+09:00`);
let database: TestDatabase;
let customer: { id: string; loginId: string };

const shown = (number: string, service: ServiceType, formKey: unknown, now: Date) =>
  recordPreviewShown({ database, customer, lineNumber: number, formKey, preview: reflectionPreview(service, now), client: CLIENT });
const rows = (number: string) =>
  database.prisma.auditEvent.findMany({ where: { type: "PREVIEW_SHOWN", lineNumber: number }, orderBy: { id: "asc" } });

beforeAll(async () => {
  database = await createTestDatabase();
  const c = await createTestCustomer(database, {
    selfcareId: "preview01",
    password: "Selfcare-Pw-1",
    email: "preview01@example.jp",
    locale: "ja",
    lines: [
      { number: B2BUA, service: "B2BUA", password: "oldpass1" },
      { number: IP_PHONE, service: "IP_PHONE", password: "oldpass2" },
      { number: CAPPED, service: "B2BUA", password: "oldpass3" },
    ],
  });
  customer = { id: c.id, loginId: "preview01" };
}, 60_000);

afterAll(async () => {
  await database?.close();
});

describe("preview shown", () => {
  it("twenty asks at once for one form: one row; the same promise later: none; a changed promise: one more", async () => {
    const form = randomUUID();
    const at1659 = jst("16:59");
    const first = await Promise.all(Array.from({ length: 20 }, () => shown(B2BUA, "B2BUA", form, at1659)));
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await rows(B2BUA)).toHaveLength(1);
    // Polling the same promise (17:30) again: nothing new.
    expect(await shown(B2BUA, "B2BUA", form, new Date(at1659.getTime() + 30_000))).toBe(false);
    // 17:00 passes: the screen now promises 18:30 — recorded once, however many ask at once.
    const moved = await Promise.all(Array.from({ length: 10 }, () => shown(B2BUA, "B2BUA", form, jst("17:00"))));
    expect(moved.filter(Boolean)).toHaveLength(1);
    const r = await rows(B2BUA);
    expect(r).toHaveLength(2);
    expect(r.map((a) => (a.details as { promised: unknown }).promised)).toEqual([
      { kind: "batch", at: jst("17:30").toISOString() },
      { kind: "batch", at: jst("18:30").toISOString() },
    ]);
    expect(r[0]).toMatchObject({ actor: "customer", customerId: customer.id, selfcareId: "preview01", ip: CLIENT.ip, at: at1659 });
    expect((r[0]!.details as { formKey: string }).formKey).toBe(form);
    // Another form (a new visit to the input screen) is its own record.
    expect(await shown(B2BUA, "B2BUA", randomUUID(), jst("17:01"))).toBe(true);
    expect(await rows(B2BUA)).toHaveLength(3);
  });

  it("an IP_PHONE line: one row per form (the 15-minute promise does not change), its deadline recorded", async () => {
    const form = randomUUID();
    const results = await Promise.all([jst("10:00"), jst("10:00"), jst("10:01"), jst("10:07")].map((t) => shown(IP_PHONE, "IP_PHONE", form, t)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const [row] = await rows(IP_PHONE);
    const promised = (row!.details as { promised: { kind: string; by: string } }).promised;
    expect(promised.kind).toBe("within");
    // The deadline of whichever ask won: 15 minutes after it.
    expect(Date.parse(promised.by) - row!.at.getTime()).toBe(15 * 60_000);
  });

  it("no form key, or one that is not a UUID: nothing recorded (the preview is still shown by the caller)", async () => {
    for (const key of [undefined, null, "", "not-a-uuid", 42, { a: 1 }, "x".repeat(5000)]) expect(await shown(CAPPED, "B2BUA", key, jst("09:00"))).toBe(false);
    expect(await rows(CAPPED)).toHaveLength(0);
  });

  it("bounded: at most PREVIEW_SHOWN_PER_LINE_PER_DAY rows per line in 24 hours, whatever keys are sent", async () => {
    const now = jst("09:00", "2026-11-26");
    for (let i = 0; i < PREVIEW_SHOWN_PER_LINE_PER_DAY + 10; i++) await shown(CAPPED, "B2BUA", randomUUID(), now);
    expect(await rows(CAPPED)).toHaveLength(PREVIEW_SHOWN_PER_LINE_PER_DAY);
    // A day later the line records again.
    expect(await shown(CAPPED, "B2BUA", randomUUID(), new Date(now.getTime() + 24 * 3_600_000 + 1_000))).toBe(true);
  });

  it("the support timeline shows the entry with the promise that was shown", async () => {
    const page = await lineTimeline(database, { customerId: customer.id, lineNumber: B2BUA, now: jst("18:00"), registrar: null });
    const previews = page.entries.filter((e) => e.kind === "audit" && e.type === "PREVIEW_SHOWN");
    expect(previews).toHaveLength(3);
    // Newest first: the second form at 17:01 (18:30), then the first form's 18:30 and 17:30.
    expect(previews.map((e) => (e.kind === "audit" && e.promised?.kind === "batch" ? e.promised.at.toISOString() : null))).toEqual([
      jst("18:30").toISOString(),
      jst("18:30").toISOString(),
      jst("17:30").toISOString(),
    ]);
  });
});
