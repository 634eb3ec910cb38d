import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Provisioner, ProvisionItem } from "@/lib/provisioning";
import { kamailioProvisioner } from "@/lib/provisioning/kamailio";
import { drainDueChanges, runReflectionBatch, type WorkerOptions } from "@/lib/reflection/worker";
import { createKamailioSchema, haveKamailioSchema } from "@/scripts/kamailio-schema";
import { freePort } from "../fixtures/net";
import { installTestSecrets, seedDueChanges, TEST_REALM, type SeededChange } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";
import { md5 } from "../helpers/md5";

// The kamailio provisioner against a registrar database of its own: a second PostgreSQL server,
// started (and stopped, for the fault test) here, with Kamailio's own schema.
const KEY = installTestSecrets();
const ROOT = path.resolve(import.meta.dirname, "../..");
const PG_SERVER = path.join(ROOT, "scripts/pg-server.sh");
const run = promisify(execFile);
const T0 = new Date("2026-11-25T05:00:00.000Z");
const at = (ms: number, from = T0) => new Date(from.getTime() + ms);

let portal: TestDatabase;
let registrarDir: string;
let registrarPort: number;
let registrarUrl: string;
let provisioner: Provisioner;

const startRegistrar = async () => (await run(PG_SERVER, ["start", registrarDir, String(registrarPort)])).stdout.trim();
const stopRegistrar = () => run(PG_SERVER, ["stop", registrarDir]);

/** One short-lived connection per call, so that no test client is left open across an outage. */
async function registrarQuery<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: registrarUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

interface SubscriberRow {
  id: number;
  username: string;
  domain: string;
  password: string;
  ha1: string;
  ha1b: string;
}
const subscribers = (usernames: string[]) =>
  registrarQuery<SubscriberRow>(`SELECT id, username, domain, password, ha1, ha1b FROM subscriber WHERE username = ANY($1) ORDER BY username, domain`, [usernames]);

function options(now: Date, overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  return { database: portal, provisioner, credentialKey: KEY, now, batchSize: 100, maxAttempts: 10, ...overrides };
}

const itemsOf = (changes: SeededChange[]): ProvisionItem[] => changes.map((c) => ({ changeId: c.id, credential: c.credential }));

function expectCredentials(rows: SubscriberRow[], changes: SeededChange[]) {
  for (const c of changes) {
    const row = rows.find((r) => r.username === c.number && r.domain === TEST_REALM);
    expect(row, `subscriber row for ${c.number}`).toBeDefined();
    expect(row).toMatchObject({
      ha1: md5(`${c.number}:${TEST_REALM}:${c.password}`),
      ha1b: md5(`${c.number}@${TEST_REALM}:${TEST_REALM}:${c.password}`),
      password: "",
    });
  }
}

describe.skipIf(testDbKind !== "postgres" || !haveKamailioSchema())(
  "kamailio provisioner against a real Kamailio subscriber table (PostgreSQL only, needs Kamailio's schema in /usr/share/kamailio/postgres)",
  () => {
    beforeAll(async () => {
      portal = await createTestDatabase();
      registrarDir = mkdtempSync(path.join(tmpdir(), "kamailio-pg-"));
      registrarPort = await freePort();
      registrarUrl = await startRegistrar();
      await createKamailioSchema(registrarUrl);
      provisioner = kamailioProvisioner(registrarUrl);
    });

    afterEach(async () => {
      // No test leaves work due for the next one.
      await portal.sql.query(`UPDATE "PasswordChange" SET status = 'SUPERSEDED', credential = NULL WHERE status = 'PENDING'`);
    });

    afterAll(async () => {
      await provisioner?.close?.();
      await portal?.close();
      if (registrarDir) {
        await stopRegistrar().catch(() => undefined);
        rmSync(registrarDir, { recursive: true, force: true });
      }
    });

    it("has Kamailio's schema loaded (the version row auth_db checks)", async () => {
      const rows = await registrarQuery<{ table_version: number }>(`SELECT table_version FROM version WHERE table_name = 'subscriber'`);
      expect(rows).toEqual([{ table_version: 7 }]);
    });

    it("upserts ha1/ha1b for (username = number, domain = realm); repeating it is idempotent", async () => {
      const changes = await seedDueChanges(portal, { count: 3, requestedAt: T0 });
      const numbers = changes.map((c) => c.number);
      // The first line already has a subscriber row (with a plain password that must not survive),
      // and the same username exists in another domain, which is a different account.
      await registrarQuery(`INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ($1, $2, 'plain-old', 'old-ha1', 'old-ha1b'), ($1, 'other.example.jp', 'x', 'other-ha1', 'other-ha1b')`, [
        numbers[0],
        TEST_REALM,
      ]);
      const [existing] = await registrarQuery<{ id: number }>(`SELECT id FROM subscriber WHERE username = $1 AND domain = $2`, [numbers[0], TEST_REALM]);

      const r = await runReflectionBatch(options(T0));
      expect(r).toEqual({ claimed: 3, applied: 3, failed: 0, gaveUp: 0 });
      const first = await subscribers(numbers);
      expect(first).toHaveLength(4);
      expectCredentials(first, changes);
      expect(first.find((x) => x.username === numbers[0] && x.domain === TEST_REALM)?.id).toBe(existing!.id);
      expect(first.find((x) => x.domain === "other.example.jp")).toMatchObject({ password: "x", ha1: "other-ha1", ha1b: "other-ha1b" });
      expect(await portal.prisma.passwordChange.count({ where: { id: { in: changes.map((c) => c.id) }, status: "APPLIED", credential: null } })).toBe(3);

      // Provisioning the same items again (a batch repeated after a crash) leaves the same rows.
      const ctx = { query: portal.sql.query, now: T0 };
      await provisioner.provision(itemsOf(changes), ctx);
      await provisioner.provision(itemsOf(changes), ctx);
      expect(await subscribers(numbers)).toEqual(first);
    });

    it("a crash after writing to Kamailio but before marking: the change stays PENDING and is applied once, same row", async () => {
      const [ch] = await seedDueChanges(portal, { count: 1, requestedAt: T0 });
      const crashing: Provisioner = {
        name: "kamailio",
        async provision(items, ctx) {
          await provisioner.provision(items, ctx);
          throw new Error("worker crashed after provisioning (test)");
        },
      };
      await runReflectionBatch(options(T0, { provisioner: crashing }));
      const pending = await portal.prisma.passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
      expect(pending).toMatchObject({ status: "PENDING", attempts: 1 });
      // The registrar is outside the portal's transaction: it already holds the new credential…
      const written = await subscribers([ch!.number]);
      expectCredentials(written, [ch!]);

      await drainDueChanges(options(pending.nextAttemptAt));
      await drainDueChanges(options(at(60 * 60_000, pending.nextAttemptAt)));
      // …and redoing the change leaves that very row as it was, and marks the change once.
      expect(await subscribers([ch!.number])).toEqual(written);
      const row = await portal.prisma.passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
      expect(row).toMatchObject({ status: "APPLIED", appliedAt: pending.nextAttemptAt, credential: null });
      expect(await portal.prisma.auditEvent.count({ where: { type: "CHANGE_APPLIED", lineNumber: ch!.number } })).toBe(1);
      expect(await portal.prisma.outboxEmail.count({ where: { customerId: ch!.customerId, kind: "CHANGE_APPLIED" } })).toBe(1);
    });

    it("while the registrar's database is down, changes wait and retry; when it returns, all are applied", async () => {
      const changes = await seedDueChanges(portal, { count: 40, requestedAt: T0 });
      const ids = changes.map((c) => c.id);
      const rows = () => portal.prisma.passwordChange.findMany({ where: { id: { in: ids } } });

      await stopRegistrar();
      let now = T0;
      for (let attempt = 1; attempt <= 2; attempt++) {
        const r = await drainDueChanges(options(now));
        expect(r).toMatchObject({ claimed: 40, applied: 0, failed: 40, gaveUp: 0 });
        const waiting = await rows();
        for (const w of waiting) {
          expect(w).toMatchObject({ status: "PENDING", attempts: attempt, appliedAt: null });
          expect(w.credential).toBeTruthy();
          expect(w.lastError).toMatch(/ECONNREFUSED|connect|terminat|timeout/i);
        }
        now = new Date(Math.max(...waiting.map((w) => w.nextAttemptAt.getTime())));
        expect(now.getTime()).toBeGreaterThan(T0.getTime());
      }
      expect(await portal.prisma.auditEvent.count({ where: { type: "CHANGE_RETRY", lineNumber: { in: changes.map((c) => c.number) } } })).toBe(80);

      await startRegistrar();
      // Nothing was lost meanwhile: the first run after the outage applies every change.
      const r = await drainDueChanges(options(now));
      expect(r).toMatchObject({ claimed: 40, applied: 40, failed: 0, gaveUp: 0 });
      const after = await rows();
      expect(after.map((w) => w.status)).toEqual(Array(40).fill("APPLIED"));
      expect(after.every((w) => w.credential === null && w.attempts === 3 && w.lastError === null)).toBe(true);
      expectCredentials(await subscribers(changes.map((c) => c.number)), changes);
      expect(await portal.prisma.passwordChange.count({ where: { status: "FAILED" } })).toBe(0);
      expect(await portal.prisma.auditEvent.count({ where: { type: "CHANGE_APPLIED", lineNumber: { in: changes.map((c) => c.number) } } })).toBe(40);
    });

    it("one line the registrar database refuses (a trigger raising for its username) leaves every other change of the batch applied; only it is FAILED and mailed", async () => {
      const changes = await seedDueChanges(portal, { count: 40, requestedAt: T0 });
      const bad = changes[25]!;
      await registrarQuery(`CREATE OR REPLACE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.username = '${bad.number}' THEN RAISE EXCEPTION 'subscriber % refused (test)', NEW.username; END IF; RETURN NEW; END $$`);
      await registrarQuery(`CREATE TRIGGER refuse_one BEFORE INSERT OR UPDATE ON subscriber FOR EACH ROW EXECUTE FUNCTION refuse_one()`);
      try {
        const r = await drainDueChanges(options(T0, { maxAttempts: 1 }));
        expect(r).toMatchObject({ claimed: 40, applied: 39, gaveUp: 1 });
        const rows = await subscribers(changes.map((c) => c.number));
        expect(rows).toHaveLength(39);
        expectCredentials(rows, changes.filter((c) => c.id !== bad.id));
        const failed = await portal.prisma.passwordChange.findMany({ where: { id: { in: changes.map((c) => c.id) }, status: "FAILED" } });
        expect(failed.map((f) => f.id)).toEqual([bad.id]);
        expect(failed[0]!.lastError).toContain(`subscriber ${bad.number} refused (test)`);
        const told = await portal.prisma.outboxEmail.findMany({ where: { kind: "CHANGE_FAILED", customerId: { in: changes.map((c) => c.customerId) } } });
        expect(told.map((m) => m.customerId)).toEqual([bad.customerId]);
      } finally {
        await registrarQuery(`DROP TRIGGER IF EXISTS refuse_one ON subscriber`);
      }
    });
  },
);
