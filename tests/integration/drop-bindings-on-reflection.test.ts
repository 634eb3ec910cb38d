import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { env, resetEnvCache } from "@/lib/env";
import { log } from "@/lib/log";
import type { Provisioner } from "@/lib/provisioning";
import { kamailioProvisioner } from "@/lib/provisioning/kamailio";
import { afterAppliedStep } from "@/lib/reflection/loop";
import { drainDueChanges } from "@/lib/reflection/worker";
import { kamailioRpc } from "@/lib/registration/rpc";
import { sipCredential } from "@/lib/sip/digest";
import { freePort } from "../fixtures/net";
import { createDatabase, registrarPrerequisites, sippRegister, startKamailio, startPostgres, type Kamailio, type PgServer } from "../fixtures/registrar";
import { installTestSecrets, seedDueChanges, TEST_REALM } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// DROP_BINDINGS_ON_REFLECTION against a real Kamailio (deploy/kamailio/kamailio.cfg, usrloc db_mode 1)
// and a real PostgreSQL: a line registered with its old password, its pending change reflected by the
// worker with the step the worker loop builds from the environment. On: the `location` row is gone
// and usrloc has no binding for the line; off: the binding stays; registrar down: the batch still
// commits and the failure is only logged. Skipped without Kamailio/SIPp unless REQUIRE_KAMAILIO is set.
const KEY = installTestSecrets();
const missing = registrarPrerequisites();
const T = new Date("2026-11-25T08:30:00.000Z"); // 17:30 Japan time, the B2BUA batch
const OLD = "oldpass1";
const ENV_KEYS = ["DROP_BINDINGS_ON_REFLECTION", "KAMAILIO_RPC_URL", "KAMAILIO_RPC_TOKEN"] as const;
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

let portal: TestDatabase;
let server: PgServer;
let kamailioDb: string;
let kamailio: Kamailio;
let provisioner: Provisioner;

async function registrar<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: kamailioDb });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const locationRows = (number: string) => registrar<{ contact: string }>("SELECT contact FROM location WHERE username = $1", [number]);
/** What usrloc itself holds for the line (null: "AOR not found"). */
const liveBinding = (number: string) => kamailioRpc("ul.lookup", ["location", number], { url: kamailio.rpcUrl, token: kamailio.rpcToken });

function setEnv(values: Partial<Record<(typeof ENV_KEYS)[number], string>>) {
  for (const k of ENV_KEYS) {
    if (values[k] === undefined) delete process.env[k];
    else process.env[k] = values[k];
  }
  resetEnvCache();
}

/** A line provisioned with its old password and registered with it via SIPp, and its due change. */
async function registeredLineWithDueChange() {
  const [change] = await seedDueChanges(portal, { count: 1, requestedAt: new Date(T.getTime() - 3.5 * 3_600_000), service: "B2BUA", dueAt: T });
  const cred = sipCredential(change!.number, TEST_REALM, OLD);
  await registrar("INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES ($1, $2, $3, $4)", [change!.number, TEST_REALM, cred.ha1, cred.ha1b]);
  expect(await sippRegister(kamailio.port, change!.number, OLD, TEST_REALM, "Test ATA/1.0")).toBe(true);
  expect(await locationRows(change!.number)).toHaveLength(1);
  expect(await liveBinding(change!.number)).not.toBeNull();
  return change!;
}

const reflect = () =>
  drainDueChanges({ database: portal, provisioner, credentialKey: KEY, now: T, batchSize: 100, maxAttempts: 3, afterApplied: afterAppliedStep(env()) });
const statusOf = async (id: string) => (await portal.sql.query<{ status: string }>(`SELECT status FROM "PasswordChange" WHERE id = $1::uuid`, [id]))[0]!.status;

describe.skipIf(testDbKind !== "postgres" || (missing.length > 0 && !process.env.REQUIRE_KAMAILIO))(
  "DROP_BINDINGS_ON_REFLECTION against a real Kamailio (PostgreSQL only, needs kamailio + sipp)",
  () => {
    beforeAll(async () => {
      if (missing.length > 0) throw new Error(`REQUIRE_KAMAILIO is set but these are missing: ${missing.join(", ")}`);
      portal = await createTestDatabase();
      server = await startPostgres();
      kamailioDb = await createDatabase(server, "kamailio", true);
      kamailio = await startKamailio(kamailioDb, TEST_REALM);
      provisioner = kamailioProvisioner(kamailioDb);
    }, 90_000);

    afterAll(async () => {
      setEnv(saved);
      await provisioner?.close?.();
      await kamailio?.stop();
      await server?.stop();
      await portal?.close();
    });

    it("on: the reflected line's binding is dropped — no location row, no live binding for the old password", async () => {
      setEnv({ DROP_BINDINGS_ON_REFLECTION: "true", KAMAILIO_RPC_URL: kamailio.rpcUrl, KAMAILIO_RPC_TOKEN: kamailio.rpcToken });
      const change = await registeredLineWithDueChange();
      const r = await reflect();
      expect(r.applied).toBe(1);
      expect(await statusOf(change.id)).toBe("APPLIED");
      expect(await locationRows(change.number)).toHaveLength(0);
      expect(await liveBinding(change.number)).toBeNull();
      // The old password cannot register again either; the new one can.
      expect(await sippRegister(kamailio.port, change.number, OLD, TEST_REALM)).toBe(false);
      expect(await locationRows(change.number)).toHaveLength(0);
      expect(await sippRegister(kamailio.port, change.number, change.password, TEST_REALM)).toBe(true);
      expect(await locationRows(change.number)).toHaveLength(1);
    }, 60_000);

    it("off (the default): the old binding stays until it expires", async () => {
      setEnv({ KAMAILIO_RPC_URL: kamailio.rpcUrl, KAMAILIO_RPC_TOKEN: kamailio.rpcToken });
      expect(afterAppliedStep(env())).toBeUndefined();
      const change = await registeredLineWithDueChange();
      expect((await reflect()).applied).toBe(1);
      expect(await statusOf(change.id)).toBe("APPLIED");
      expect(await locationRows(change.number)).toHaveLength(1);
      expect(await liveBinding(change.number)).not.toBeNull();
    }, 60_000);

    it("on, registrar's RPC not answering: the batch commits, the failure is only logged, the binding stays", async () => {
      setEnv({ DROP_BINDINGS_ON_REFLECTION: "true", KAMAILIO_RPC_URL: `http://127.0.0.1:${await freePort()}/RPC`, KAMAILIO_RPC_TOKEN: kamailio.rpcToken });
      const change = await registeredLineWithDueChange();
      const warn = vi.spyOn(log, "warn");
      try {
        const r = await reflect();
        expect(r).toMatchObject({ applied: 1, failed: 0, gaveUp: 0 });
        expect(await statusOf(change.id)).toBe("APPLIED");
        expect(warn.mock.calls.some(([fields, msg]) => /DROP_BINDINGS_ON_REFLECTION/.test(String(msg)) && (fields as { failed?: number }).failed === 1)).toBe(true);
      } finally {
        warn.mockRestore();
      }
      expect(await locationRows(change.number)).toHaveLength(1);
      // The subscriber has the new password all the same.
      expect(await sippRegister(kamailio.port, change.number, change.password, TEST_REALM)).toBe(true);
    }, 60_000);
  },
);
