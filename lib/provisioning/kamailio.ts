import pg from "pg";
import type { Provisioner } from "./index";

/**
 * Writes ha1/ha1b into Kamailio's `subscriber` table (auth_db reads it on every REGISTER, so the new
 * password is accepted from the next registration on). An upsert keyed by (username, domain):
 * repeating it leaves the same row.
 */
export function kamailioProvisioner(url: string, poolSize = 4): Provisioner {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // A broken idle connection (the registrar's database restarting) must not crash the process.
  pool.on("error", () => undefined);
  return {
    name: "kamailio",
    async provision(items) {
      if (items.length === 0) return;
      // The registrar database's clock at the write (its transaction's now()): registration_event
      // rows after it were authenticated against these credentials (lib/registration).
      const { rows } = await pool.query<{ at: Date }>(
        `WITH up AS (
           INSERT INTO subscriber (username, domain, password, ha1, ha1b)
           SELECT u, d, '', h1, h2 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(u, d, h1, h2)
           ON CONFLICT (username, domain) DO UPDATE SET ha1 = EXCLUDED.ha1, ha1b = EXCLUDED.ha1b, password = ''
           RETURNING 1)
         SELECT now() AS at, (SELECT count(*) FROM up) AS n`,
        [items.map((i) => i.credential.username), items.map((i) => i.credential.realm), items.map((i) => i.credential.ha1), items.map((i) => i.credential.ha1b)],
      );
      return { registrarAt: new Date(rows[0]!.at) };
    },
    close: () => pool.end(),
  };
}
