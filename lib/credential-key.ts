import { createHmac } from "node:crypto";
import { seal, unseal } from "./crypto/seal";
import type { Database } from "./db";

/**
 * Every process must seal and unseal with one CREDENTIAL_KEY. The database keeps a fingerprint of
 * the key (an HMAC under the key itself: it tells keys apart and reveals nothing of them) from the
 * first start on; a process holding another key refuses to start instead of sealing changes that
 * no worker can open (docs/operations.md, "Rotating CREDENTIAL_KEY").
 */
export const FINGERPRINT_SETTING = "credentialKeyFingerprint";

export function keyFingerprint(key: Buffer): string {
  return createHmac("sha256", key).update("selfcare credential-key fingerprint v1").digest("hex");
}

export class CredentialKeyMismatch extends Error {
  constructor(stored: string, given: string, hint = "") {
    super(
      `CREDENTIAL_KEY is not the key this database's credentials are sealed with (the database holds key fingerprint ${stored.slice(0, 12)}…, ` +
        `this process's key has ${given.slice(0, 12)}…)${hint}. Give every web server and worker the same CREDENTIAL_KEY; ` +
        `to change the key, rotate it (docs/operations.md, "Rotating CREDENTIAL_KEY").`,
    );
    this.name = "CredentialKeyMismatch";
  }
}

/** Stores the key's fingerprint on first use; throws CredentialKeyMismatch when the database has another one. */
export async function checkCredentialKey(database: Database, key: Buffer, hint?: string): Promise<"stored" | "matches"> {
  const given = keyFingerprint(key);
  const inserted = await database.sql.query(
    `INSERT INTO "SystemSetting" (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
    [FINGERPRINT_SETTING, given],
  );
  if (inserted.length > 0) return "stored";
  const [row] = await database.sql.query<{ value: string }>(`SELECT value FROM "SystemSetting" WHERE key = $1`, [FINGERPRINT_SETTING]);
  if (row?.value !== given) throw new CredentialKeyMismatch(row?.value ?? "(none)", given, hint);
  return "matches";
}

/**
 * Key rotation: re-seals every stored credential (pending and failed changes) from `oldKey` to
 * `newKey` and records the new key's fingerprint, in one transaction. Refuses when `oldKey` is not
 * the database's key, and changes nothing when any credential does not open with it.
 */
export async function rotateCredentialKey(database: Database, oldKey: Buffer, newKey: Buffer): Promise<{ resealed: number }> {
  return database.sql.transaction(async (q) => {
    // Serialises with another rotation and with first starts (the fingerprint row).
    const [row] = await q<{ value: string }>(`SELECT value FROM "SystemSetting" WHERE key = $1 FOR UPDATE`, [FINGERPRINT_SETTING]);
    if (row && row.value !== keyFingerprint(oldKey)) throw new CredentialKeyMismatch(row.value, keyFingerprint(oldKey), " (the old key given to the rotation)");
    const rows = await q<{ id: string; credential: string }>(`SELECT id, credential FROM "PasswordChange" WHERE credential IS NOT NULL FOR UPDATE`);
    const ids: string[] = [];
    const sealed: string[] = [];
    const unreadable: string[] = [];
    for (const r of rows) {
      try {
        const plain = unseal(r.credential, oldKey, r.id);
        ids.push(r.id);
        sealed.push(seal(plain, newKey, r.id));
      } catch {
        unreadable.push(r.id);
      }
    }
    if (unreadable.length > 0) {
      throw new Error(`${unreadable.length} stored credential(s) do not open with the old key (e.g. change ${unreadable[0]}): nothing was changed`);
    }
    if (ids.length > 0) {
      await q(`UPDATE "PasswordChange" AS c SET credential = t.s FROM unnest($1::uuid[], $2::text[]) AS t(id, s) WHERE c.id = t.id`, [ids, sealed]);
    }
    await q(
      `INSERT INTO "SystemSetting" (key, value, "updatedAt") VALUES ($1, $2, now()) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "updatedAt" = now()`,
      [FINGERPRINT_SETTING, keyFingerprint(newKey)],
    );
    return { resealed: ids.length };
  });
}
