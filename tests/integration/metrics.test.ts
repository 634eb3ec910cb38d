import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClockTo } from "@/lib/clock";
import { enqueueEmail } from "@/lib/mail/outbox";
import { afterReflectionRun, countAuditEvent, renderMetrics } from "@/lib/metrics";
import { internalProvisioner } from "@/lib/provisioning/internal";
import { drainDueChanges } from "@/lib/reflection/worker";
import { freePort } from "../fixtures/net";
import { installTestSecrets, seedDueChanges, TEST_CREDENTIAL_KEY, TEST_CREDENTIAL_KEY_HEX } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// GET /metrics's content (issue 15, item 3): the shared state read from the database at each scrape,
// and this process's own counters, in the Prometheus text format.
installTestSecrets();
const T0 = new Date("2026-11-25T05:00:00.000Z"); // 14:00 in Japan
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

/** The value of the sample `name{labels}` in a Prometheus text exposition (labels in any order, a subset suffices). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("metrics", () => {
  it("report changes by status and service, overdue ones, the outbox backlog and its age, from the database", async () => {
    setClockTo(new Date(T0.getTime() + 20 * 60_000)); // 14:20: an IP_PHONE change of 14:00 is past its 14:15 deadline
    await seedDueChanges(database, { count: 3, requestedAt: T0, service: "IP_PHONE" });
    await seedDueChanges(database, { count: 2, requestedAt: T0, service: "B2BUA" }); // due 14:30: not overdue
    const [failed] = await seedDueChanges(database, { count: 1, requestedAt: T0, service: "B2BUA_OPENGATE" });
    await database.sql.query(`UPDATE "PasswordChange" SET status = 'FAILED' WHERE id = $1`, [failed!.id]);
    await enqueueEmail(database.prisma, { kind: "LOGIN_CODE", to: "a@example.jp", subject: "s", body: "b" }, new Date(T0.getTime() + 5 * 60_000));

    const { contentType, body } = await renderMetrics(database);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(body, "selfcare_changes", { status: "PENDING", service: "IP_PHONE" })).toBe(3);
    expect(sample(body, "selfcare_changes", { status: "PENDING", service: "B2BUA" })).toBe(2);
    expect(sample(body, "selfcare_changes", { status: "FAILED", service: "B2BUA_OPENGATE" })).toBe(1);
    expect(sample(body, "selfcare_changes", { status: "APPLIED", service: "IP_PHONE" })).toBe(0);
    expect(sample(body, "selfcare_changes_overdue", { service: "IP_PHONE" })).toBe(3);
    expect(sample(body, "selfcare_changes_overdue", { service: "B2BUA" })).toBe(0);
    expect(sample(body, "selfcare_outbox_backlog")).toBe(1);
    expect(sample(body, "selfcare_outbox_oldest_unsent_age_seconds")).toBeCloseTo(15 * 60, -1);
    expect(sample(body, "selfcare_metrics_database_up")).toBe(1);
  });

  it("count this process's reflection runs (histogram, applied) and heartbeat, and sign-in outcomes", async () => {
    setClockTo(new Date(T0.getTime() + 20 * 60_000));
    const startedAt = performance.now();
    const r = await drainDueChanges({ database, provisioner: internalProvisioner, credentialKey: TEST_CREDENTIAL_KEY, now: new Date(T0.getTime() + 20 * 60_000), batchSize: 50, maxAttempts: 8 });
    expect(r.applied).toBe(3);
    await afterReflectionRun(database, r, startedAt);
    countAuditEvent("LOGIN_SUCCESS", "customer");
    countAuditEvent("LOGIN_FAILED", "customer");
    countAuditEvent("LOGIN_FAILED", "customer");
    countAuditEvent("CHANGE_ACCEPTED", "customer"); // not a sign-in step

    const { body } = await renderMetrics(database);
    expect(sample(body, "selfcare_reflection_batch_duration_seconds_count")).toBe(1);
    expect(sample(body, "selfcare_reflection_changes_total", { result: "applied" })).toBe(3);
    expect(sample(body, "selfcare_changes", { status: "APPLIED", service: "IP_PHONE" })).toBe(3);
    expect(sample(body, "selfcare_changes_overdue", { service: "IP_PHONE" })).toBe(0);
    expect(sample(body, "selfcare_sign_in_total", { outcome: "success", actor: "customer" })).toBe(1);
    expect(sample(body, "selfcare_sign_in_total", { outcome: "failed", actor: "customer" })).toBe(2);
    expect(body).not.toContain("CHANGE_ACCEPTED");
    const age = sample(body, "selfcare_worker_heartbeat_age_seconds", { kind: "web" });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
  });

  it.runIf(testDbKind === "postgres")("a separate worker serves its own /metrics on WORKER_METRICS_PORT (loopback, or the bearer token) with its heartbeat", { timeout: 120_000 }, async () => {
    const port = await freePort();
    const token = "metrics-token-0123456789";
    const worker = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      env: { ...process.env, DATABASE_URL: database.url!, CREDENTIAL_KEY: TEST_CREDENTIAL_KEY_HEX, WORKER_METRICS_PORT: String(port), METRICS_TOKEN: token, INSTANCE_ID: "worker-test-1", WORKER_POLL_MS: "100", LOG_LEVEL: "warn", APP_NOW: "" },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      const get = (auth?: string) => fetch(url, auth ? { headers: { authorization: auth } } : {}).catch(() => null);
      let body = "";
      for (;;) {
        const res = await get(`Bearer ${token}`);
        if (res?.status === 200) {
          body = await res.text();
          if (sample(body, "selfcare_worker_heartbeat_age_seconds", { worker: "worker-test-1", kind: "worker" }) !== undefined) break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(body).toContain('instance_id="worker-test-1"');
      expect((await get())?.status).toBe(401);
      expect((await get("Bearer wrong-token-0123456789"))?.status).toBe(401);
    } finally {
      worker.kill("SIGTERM");
      await exited;
    }
    // stopping cleanly takes its heartbeat away
    expect(await database.sql.query(`SELECT id FROM "WorkerHeartbeat" WHERE id = 'worker-test-1'`)).toEqual([]);
  });
});
