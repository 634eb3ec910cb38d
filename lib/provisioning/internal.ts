import type { Provisioner } from "./index";

/**
 * The embedded default: a registrar-credentials table in the portal's own database, written in the
 * worker's transaction, so "which password works right now" is visible to support.
 */
export const internalProvisioner: Provisioner = {
  name: "internal",
  async provision(items, { query, now }) {
    if (items.length === 0) return;
    await query(
      `INSERT INTO "RegistrarCredential" (username, realm, ha1, ha1b, "lastChangeId", "updatedAt")
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[])
       ON CONFLICT (username) DO UPDATE SET realm = EXCLUDED.realm, ha1 = EXCLUDED.ha1, ha1b = EXCLUDED.ha1b,
         "lastChangeId" = EXCLUDED."lastChangeId", "updatedAt" = EXCLUDED."updatedAt"`,
      [
        items.map((i) => i.credential.username),
        items.map((i) => i.credential.realm),
        items.map((i) => i.credential.ha1),
        items.map((i) => i.credential.ha1b),
        items.map((i) => i.changeId),
        items.map(() => now),
      ],
    );
  },
};
