import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { dropLineBindings, unblockLine } from "@/lib/support/registrar-actions";
import { createTestCustomer, createTestStaff } from "@/testing/data";
import { freePort } from "../fixtures/net";
import { installTestSecrets } from "@/testing/changes";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// Support's registrar actions: lifting a line's change block (audited, refused when not blocked),
// and what dropping bindings does when the registrar does not answer or refuses the token (a coded
// error, nothing audited). The success path against a real Kamailio is in tests/e2e/kamailio.spec.ts.
installTestSecrets();
const T0 = new Date("2026-11-25T14:00:00+09:00");
const CLIENT = { ip: "203.0.113.9", userAgent: "support test" };
let database: TestDatabase;
let staff: { id: string; loginId: string };
let lineId: string;
let refusing: Server;
let refusingUrl: string;

const audits = (type: string) => database.prisma.auditEvent.findMany({ where: { type } });

beforeAll(async () => {
  database = await createTestDatabase();
  const s = await createTestStaff(database, { loginId: "reg-actions", password: "Support-pass-test", email: "reg-actions@example.jp" });
  staff = { id: s.id, loginId: "reg-actions" };
  await createTestCustomer(database, { selfcareId: "regact01", password: "Selfcare-Pw-1", email: "regact01@example.jp", locale: "ja", lines: [{ number: "05077770001", service: "B2BUA", password: "oldpass1" }] });
  lineId = (await database.prisma.line.findUniqueOrThrow({ where: { number: "05077770001" } })).id;
  refusing = createServer((_req, res) => {
    res.writeHead(401, { "content-type": "text/plain" });
    res.end("unauthorised");
  });
  const port = await freePort();
  await new Promise<void>((r) => refusing.listen(port, "127.0.0.1", r));
  refusingUrl = `http://127.0.0.1:${port}/RPC`;
}, 60_000);

afterAll(async () => {
  refusing?.close();
  await database?.close();
});

describe("lifting a line's change block", () => {
  it("refuses a line that is not blocked, lifts a blocked one and audits it with the reason", async () => {
    await expect(unblockLine(database, { staff, lineId, reason: "お客様からの依頼", now: T0, client: CLIENT })).rejects.toMatchObject({ code: "NOT_BLOCKED" });
    const until = new Date(T0.getTime() + 30 * 60_000);
    await database.prisma.line.update({ where: { id: lineId }, data: { blockedUntil: until } });
    await unblockLine(database, { staff, lineId, reason: "本人確認済み", now: T0, client: CLIENT });
    expect((await database.prisma.line.findUniqueOrThrow({ where: { id: lineId } })).blockedUntil).toBeNull();
    const [a] = await audits("STAFF_UNBLOCK_LINE");
    expect(a).toMatchObject({ actor: "staff", staffUserId: staff.id, lineNumber: "05077770001" });
    expect(a!.details).toMatchObject({ reason: "本人確認済み", wasBlockedUntil: until.toISOString() });
    // Twice at once: one lifts it, the other is told it is not blocked (one audit row).
    await database.prisma.line.update({ where: { id: lineId }, data: { blockedUntil: until } });
    const both = await Promise.allSettled([0, 1].map(() => unblockLine(database, { staff, lineId, reason: "二重送信の確認", now: T0, client: CLIENT })));
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(both.find((r) => r.status === "rejected")?.reason).toBeInstanceOf(AppError);
    expect(await audits("STAFF_UNBLOCK_LINE")).toHaveLength(2);
  });
});

describe("dropping bindings when the registrar cannot do it", () => {
  it("a registrar that does not answer: REGISTRAR_UNAVAILABLE, nothing audited", async () => {
    const closed = `http://127.0.0.1:${await freePort()}/RPC`;
    await expect(dropLineBindings(database, { staff, lineId, reason: "古い登録の削除", now: T0, client: CLIENT, rpc: { url: closed, token: "t".repeat(20) } })).rejects.toMatchObject({ code: "REGISTRAR_UNAVAILABLE" });
    expect(await audits("STAFF_DROP_BINDINGS")).toHaveLength(0);
  });

  it("a registrar that refuses the token: REGISTRAR_REFUSED, nothing audited", async () => {
    await expect(dropLineBindings(database, { staff, lineId, reason: "古い登録の削除", now: T0, client: CLIENT, rpc: { url: refusingUrl, token: "wrong-token-0000000" } })).rejects.toMatchObject({ code: "REGISTRAR_REFUSED" });
    expect(await audits("STAFF_DROP_BINDINGS")).toHaveLength(0);
  });

  it("no RPC configured: REGISTRAR_NOT_CONFIGURED", async () => {
    await expect(dropLineBindings(database, { staff, lineId, reason: "古い登録の削除", now: T0, client: CLIENT, rpc: { url: "", token: "" } })).rejects.toMatchObject({ code: "REGISTRAR_NOT_CONFIGURED" });
  });
});
