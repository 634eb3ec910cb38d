import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Provisioner } from "@/lib/provisioning";
import { kamailioProvisioner } from "@/lib/provisioning/kamailio";
import { drainDueChanges } from "@/lib/reflection/worker";
import { registrarReader, type RegistrarReader } from "@/lib/registration/registrar";
import { watchRegistrations } from "@/lib/registration/watch";
import { createKamailioSchema, haveKamailioSchema } from "@/scripts/kamailio-schema";
import { freePort } from "../fixtures/net";
import { installTestSecrets, seedDueChanges, type SeededChange } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// The registration watch against a real registrar database (its own PostgreSQL server with
// Kamailio's schema and registration_event): what it emails, and that four workers at once send
// each email exactly once per change.
const KEY = installTestSecrets();
const PG_SERVER = path.resolve(import.meta.dirname, "../../scripts/pg-server.sh");
const run = promisify(execFile);
const T = new Date("2026-11-25T08:30:00.000Z"); // 17:30 Japan time

let portal: TestDatabase;
let dir: string;
let url: string;
let provisioner: Provisioner;
let reader: RegistrarReader;
let changes: SeededChange[];

async function registrar<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const outbox = (kind: string) => portal.sql.query<{ toAddress: string; body: string }>(`SELECT "toAddress", body FROM "OutboxEmail" WHERE kind = $1`, [kind]);
const watch = (minutes: number) => watchRegistrations({ database: portal, registrar: reader, now: new Date(T.getTime() + minutes * 60_000), reminderMinutes: 30, watchHours: 24, limit: 7 });

describe.skipIf(testDbKind !== "postgres" || !haveKamailioSchema())("registration watch against a real registrar database (PostgreSQL only)", () => {
  beforeAll(async () => {
    portal = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), "registrar-pg-"));
    url = (await run(PG_SERVER, ["start", dir, String(await freePort())])).stdout.trim();
    await createKamailioSchema(url);
    provisioner = kamailioProvisioner(url);
    reader = registrarReader(url);
    changes = await seedDueChanges(portal, { count: 20, requestedAt: new Date(T.getTime() - 3.5 * 3_600_000), service: "B2BUA", dueAt: T });
    await drainDueChanges({ database: portal, provisioner, credentialKey: KEY, now: T, batchSize: 100, maxAttempts: 3 });
  }, 60_000);

  afterAll(async () => {
    await reader?.close();
    await provisioner?.close?.();
    await portal?.close();
    if (dir) {
      await run(PG_SERVER, ["stop", dir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the reflection records the registrar's clock on every change", async () => {
    const rows = await portal.sql.query<{ status: string; registrarAppliedAt: Date | null }>(`SELECT status, "registrarAppliedAt" FROM "PasswordChange" WHERE id = ANY($1::uuid[])`, [changes.map((c) => c.id)]);
    expect(rows.every((r) => r.status === "APPLIED" && r.registrarAppliedAt instanceof Date)).toBe(true);
  });

  it("emails the first registration and, 30 minutes on, only-failures — once each per change, with four workers at once", async () => {
    const ok = changes.slice(0, 10);
    const failing = changes.slice(10);
    // Before the reflection every line registered with its old password (must not count); after it,
    // ten devices register with the new one and ten keep failing.
    await registrar(
      `INSERT INTO registration_event (username, domain, at, outcome, source, user_agent, expires)
       SELECT u, 'sip.example.jp', now() - interval '10 minutes', 'ok', 'udp:192.0.2.1:5060', 'Old', 3600 FROM unnest($1::text[]) u`,
      [changes.map((c) => c.number)],
    );
    await new Promise((r) => setTimeout(r, 20));
    await registrar(
      `INSERT INTO registration_event (username, domain, outcome, source, user_agent, expires)
       SELECT u, 'sip.example.jp', 'ok', 'udp:192.0.2.1:5060', 'Grandstream HT802 1.0.43.11', 3600 FROM unnest($1::text[]) u`,
      [ok.map((c) => c.number)],
    );
    await registrar(
      `INSERT INTO registration_event (username, domain, outcome, source, user_agent, expires)
       SELECT u, 'sip.example.jp', 'wrong_password', 'udp:192.0.2.2:5060', 'Linksys/SPA2102', 3600 FROM unnest($1::text[]) u, generate_series(1, 3)`,
      [failing.map((c) => c.number)],
    );

    // 17:35: the ten registrations are mailed; no reminder yet (before 30 minutes).
    await Promise.all([watch(5), watch(5), watch(5), watch(5)]);
    const seen = await outbox("REGISTRATION_SEEN");
    expect(seen.map((m) => m.toAddress).sort()).toEqual(ok.map((c) => c.email).sort());
    expect(seen[0]!.body).toContain("Grandstream HT802 1.0.43.11");
    expect(await outbox("REGISTRATION_OLD_PASSWORD")).toHaveLength(0);

    // 18:01: the ten failing lines get their reminder, once, however many workers look.
    await Promise.all([watch(31), watch(31), watch(31), watch(31)]);
    await Promise.all([watch(32), watch(40)]);
    const reminders = await outbox("REGISTRATION_OLD_PASSWORD");
    expect(reminders.map((m) => m.toAddress).sort()).toEqual(failing.map((c) => c.email).sort());
    expect(reminders[0]!.body).toMatch(/3回失敗|3 failed attempts/);
    expect(await outbox("REGISTRATION_SEEN")).toHaveLength(10);

    // A failing device then registers with the new password: its one registration email follows.
    await registrar(`INSERT INTO registration_event (username, domain, outcome, user_agent) VALUES ($1, 'sip.example.jp', 'ok', 'Yealink T46S')`, [failing[0]!.number]);
    await Promise.all([watch(45), watch(45)]);
    expect(await outbox("REGISTRATION_SEEN")).toHaveLength(11);
    const audit = await portal.sql.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM "AuditEvent" WHERE type LIKE 'REGISTRATION_%' GROUP BY type ORDER BY type`);
    expect(audit).toEqual([{ type: "REGISTRATION_OLD_PASSWORD", n: "10" }, { type: "REGISTRATION_SEEN", n: "11" }]);
  }, 60_000);

  it("a registrar that does not answer: the watch ends the round quietly and sends nothing", async () => {
    const dead = registrarReader("postgresql://postgres@127.0.0.1:1/none");
    const before = (await portal.sql.query(`SELECT id FROM "OutboxEmail"`)).length;
    await expect(watchRegistrations({ database: portal, registrar: dead, now: new Date(T.getTime() + 50 * 60_000), reminderMinutes: 30, watchHours: 24 })).resolves.toMatchObject({ registered: 0, reminded: 0 });
    expect((await portal.sql.query(`SELECT id FROM "OutboxEmail"`)).length).toBe(before);
    await dead.close();
  });
});
