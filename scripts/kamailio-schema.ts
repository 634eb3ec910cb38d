// Kamailio's own PostgreSQL schema, as Debian's kamailio-postgres-modules installs it: the standard
// and auth_db tables (with the version rows Kamailio checks). Used wherever a registrar database is
// made: the Kamailio e2e test, the provisioner's integration test, the bench and its smoke test.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export const KAMAILIO_SCHEMA_DIR = "/usr/share/kamailio/postgres";
export const KAMAILIO_SCHEMA = ["standard-create.sql", "auth_db-create.sql"].map((f) => path.join(KAMAILIO_SCHEMA_DIR, f));

export function haveKamailioSchema(): boolean {
  return KAMAILIO_SCHEMA.every((f) => existsSync(f));
}

/** Creates Kamailio's tables in the (empty) database `url`. */
export async function createKamailioSchema(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const file of KAMAILIO_SCHEMA) await c.query(readFileSync(file, "utf8"));
  } finally {
    await c.end();
  }
}
