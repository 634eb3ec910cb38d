import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCredentialKey, CredentialKeyMismatch, keyFingerprint, rotateCredentialKey } from "@/lib/credential-key";
import { internalProvisioner } from "@/lib/provisioning/internal";
import { drainDueChanges } from "@/lib/reflection/worker";
import { installTestSecrets, seedDueChanges, TEST_CREDENTIAL_KEY } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// One CREDENTIAL_KEY for every process (issue 15, item 4): the database keeps the key's
// fingerprint from the first start; another key is refused; rotation re-seals what is stored.
installTestSecrets();
const T0 = new Date("2026-11-25T05:00:00.000Z");
const keyA = TEST_CREDENTIAL_KEY;
const keyB = randomBytes(32);

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const fingerprint = async () =>
  (await database.sql.query<{ value: string }>(`SELECT value FROM "SystemSetting" WHERE key = 'credentialKeyFingerprint'`))[0]?.value;

describe("CREDENTIAL_KEY fingerprint", () => {
  it("is stored on first start, accepted for the same key, and another key is refused naming CREDENTIAL_KEY", async () => {
    expect(await fingerprint()).toBeUndefined();
    expect(await checkCredentialKey(database, keyA)).toBe("stored");
    expect(await fingerprint()).toBe(keyFingerprint(keyA));
    expect(await checkCredentialKey(database, keyA)).toBe("matches");
    const refused = await checkCredentialKey(database, keyB).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CredentialKeyMismatch);
    expect((refused as Error).message).toMatch(/^CREDENTIAL_KEY is not the key this database's credentials are sealed with/);
    expect(await fingerprint()).toBe(keyFingerprint(keyA));
    // the fingerprint does not give the key away
    expect(await fingerprint()).not.toContain(keyA.toString("hex").slice(0, 16));
  });

  it("rotation re-seals every stored credential so a worker with the new key applies them, and the old key is then refused", async () => {
    const seeded = await seedDueChanges(database, { count: 5, requestedAt: T0, key: keyA });
    // a FAILED change keeps its credential for a retry: it is re-sealed too
    await database.sql.query(`UPDATE "PasswordChange" SET status = 'FAILED' WHERE id = $1`, [seeded[4]!.id]);

    // A wrong old key changes nothing.
    await expect(rotateCredentialKey(database, keyB, randomBytes(32))).rejects.toBeInstanceOf(CredentialKeyMismatch);
    expect(await fingerprint()).toBe(keyFingerprint(keyA));

    expect(await rotateCredentialKey(database, keyA, keyB)).toEqual({ resealed: 5 });
    expect(await fingerprint()).toBe(keyFingerprint(keyB));
    await expect(checkCredentialKey(database, keyA)).rejects.toBeInstanceOf(CredentialKeyMismatch);
    expect(await checkCredentialKey(database, keyB)).toBe("matches");

    // The old key no longer opens them: a worker with it fails every change (and rolls back).
    const withOld = await drainDueChanges({ database, provisioner: internalProvisioner, credentialKey: keyA, now: new Date(T0.getTime() + 60_000), batchSize: 50, maxAttempts: 8 }, 1);
    expect(withOld.applied).toBe(0);
    await database.sql.query(`UPDATE "PasswordChange" SET attempts = 0, "nextAttemptAt" = "dueAt", "lastError" = NULL WHERE status = 'PENDING'`);

    const r = await drainDueChanges({ database, provisioner: internalProvisioner, credentialKey: keyB, now: new Date(T0.getTime() + 60_000), batchSize: 50, maxAttempts: 8 });
    expect(r.applied).toBe(4);
    for (const c of seeded.slice(0, 4)) {
      const reg = await database.prisma.registrarCredential.findUnique({ where: { username: c.number } });
      expect(reg?.ha1).toBe(c.credential.ha1);
    }
  });

  it("refuses to rotate when a stored credential does not open with the old key, changing nothing", async () => {
    const [c] = await seedDueChanges(database, { count: 1, requestedAt: T0, key: randomBytes(32) });
    const before = await database.sql.query<{ credential: string }>(`SELECT credential FROM "PasswordChange" WHERE id = $1`, [c!.id]);
    await expect(rotateCredentialKey(database, keyB, keyA)).rejects.toThrow(/do not open with the old key.*nothing was changed/);
    expect(await fingerprint()).toBe(keyFingerprint(keyB));
    expect(await database.sql.query(`SELECT credential FROM "PasswordChange" WHERE id = $1`, [c!.id])).toEqual(before);
    await database.sql.query(`UPDATE "PasswordChange" SET status = 'SUPERSEDED', credential = NULL WHERE id = $1`, [c!.id]);
  });

  it.runIf(testDbKind === "postgres")("a worker process with another key refuses to start, naming CREDENTIAL_KEY", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      env: { ...process.env, DATABASE_URL: database.url!, CREDENTIAL_KEY: randomBytes(32).toString("hex"), APP_NOW: "", LOG_LEVEL: "warn" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("CREDENTIAL_KEY is not the key this database's credentials are sealed with");
  });

  it.runIf(testDbKind === "postgres")("npm run key:rotate re-seals through the script and records the new key's fingerprint", () => {
    const keyC = randomBytes(32).toString("hex");
    const rotate = spawnSync(process.execPath, ["--import", "tsx", "scripts/rotate-credential-key.ts"], {
      env: { ...process.env, DATABASE_URL: database.url!, CREDENTIAL_KEY: keyB.toString("hex"), NEW_CREDENTIAL_KEY: keyC, LOG_LEVEL: "warn" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(rotate.stderr).toBe("");
    expect(rotate.status).toBe(0);
    expect(rotate.stdout).toMatch(/Re-sealed \d+ stored credential/);
    return fingerprint().then((f) => expect(f).toBe(keyFingerprint(Buffer.from(keyC, "hex"))));
  });
});
