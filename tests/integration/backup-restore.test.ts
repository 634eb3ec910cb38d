import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkCredentialKey } from "@/lib/credential-key";
import { openPostgres } from "@/lib/db";
import { migrate } from "@/lib/migrate";
import { createScratchDatabase } from "../fixtures/pg-database";
import { installTestSecrets, seedDueChanges, TEST_CREDENTIAL_KEY, TEST_CREDENTIAL_KEY_HEX } from "@/testing/changes";
import { testDbKind } from "../helpers/db";

// Backup and restore (issue 15, item 7; docs/operations.md "Backup and restore"): pg_dump of the
// portal's database, restored into a new database, from which a worker with the same CREDENTIAL_KEY
// applies the pending changes; a worker without that key cannot (and says so).
installTestSecrets();
const pgBin = (name: string) => {
  for (const dir of ["/usr/bin", ...(existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`) : [])]) {
    if (existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
};
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** npm run worker against `url`; resolves with its exit code and output once it exits. */
function runWorker(url: string, keyHex: string): Promise<{ code: number | null; output: string }> & { child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    env: { ...process.env, DATABASE_URL: url, CREDENTIAL_KEY: keyHex, WORKER_POLL_MS: "100", LOG_LEVEL: "warn", APP_NOW: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.once("exit", (code) => resolve({ code, output })));
  return Object.assign(done, { child });
}

describe.runIf(testDbKind === "postgres" && pgBin("pg_dump") && pgBin("pg_restore"))("backup and restore", () => {
  it("pg_dump → pg_restore into a new database → a worker with the same key applies the pending changes", { timeout: 180_000 }, async () => {
    const admin = process.env.TEST_DATABASE_URL!;
    const source = await createScratchDatabase(admin, `backup_src_${randomBytes(4).toString("hex")}`);
    cleanups.push(source.drop);
    const db = openPostgres(source.url);
    cleanups.push(() => db.close());
    await migrate(db);
    await checkCredentialKey(db, TEST_CREDENTIAL_KEY); // the first start stored the key's fingerprint
    const seeded = await seedDueChanges(db, { count: 20, requestedAt: new Date(Date.now() - 60_000), key: TEST_CREDENTIAL_KEY });

    const dir = mkdtempSync(path.join(tmpdir(), "selfcare-backup-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const dump = path.join(dir, "selfcare.dump");
    const dumped = spawnSync(pgBin("pg_dump")!, ["--format=custom", "--no-owner", `--file=${dump}`, `--dbname=${source.url}`], { encoding: "utf8" });
    expect(dumped.stderr).toBe("");
    expect(dumped.status).toBe(0);

    // The restore target: a new, empty database (the old one is gone: here it is only closed and dropped later).
    const target = await createScratchDatabase(admin, `backup_dst_${randomBytes(4).toString("hex")}`);
    cleanups.push(target.drop);
    const restored = spawnSync(pgBin("pg_restore")!, ["--no-owner", "--exit-on-error", `--dbname=${target.url}`, dump], { encoding: "utf8" });
    expect(restored.stderr).toBe("");
    expect(restored.status).toBe(0);

    // Without the key, the restored changes cannot be reflected: a worker with another key refuses to start.
    const wrongKey = await runWorker(target.url, randomBytes(32).toString("hex"));
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.output).toContain("CREDENTIAL_KEY is not the key this database's credentials are sealed with");

    const restoredDb = openPostgres(target.url);
    cleanups.push(() => restoredDb.close());
    const worker = runWorker(target.url, TEST_CREDENTIAL_KEY_HEX);
    cleanups.push(async () => {
      worker.child.kill("SIGTERM");
      await worker;
    });
    const ids = seeded.map((c) => c.id);
    for (;;) {
      const [row] = await restoredDb.sql.query<{ n: string }>(`SELECT count(*) AS n FROM "PasswordChange" WHERE id = ANY($1::uuid[]) AND status = 'APPLIED'`, [ids]);
      if (Number(row!.n) === ids.length) break;
      if (worker.child.exitCode !== null) throw new Error(`the worker exited: ${(await worker).output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const reg = await restoredDb.prisma.registrarCredential.findUnique({ where: { username: seeded[0]!.number } });
    expect(reg?.ha1).toBe(seeded[0]!.credential.ha1);
    // the source database was not touched by the restore's worker
    const [left] = await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM "PasswordChange" WHERE status = 'PENDING'`);
    expect(Number(left!.n)).toBe(20);
  });
});
