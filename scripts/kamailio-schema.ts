// Kamailio's own PostgreSQL schema, as Debian's kamailio-postgres-modules installs it: the standard
// auth_db and usrloc tables (with the version rows Kamailio checks), plus registration_event. Used wherever a registrar database is
// made: the Kamailio e2e test, the provisioner's integration test, the bench and its smoke test.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export const KAMAILIO_SCHEMA_DIR = "/usr/share/kamailio/postgres";
export const KAMAILIO_SCHEMA = ["standard-create.sql", "auth_db-create.sql", "usrloc-create.sql"].map((f) => path.join(KAMAILIO_SCHEMA_DIR, f));
/** The portal's own addition to the registrar database: the REGISTER outcomes kamailio.cfg records. */
export const REGISTRATION_EVENT_SCHEMA = path.resolve("deploy/kamailio/registration-event.sql");

export function haveKamailioSchema(): boolean {
  return KAMAILIO_SCHEMA.every((f) => existsSync(f));
}

/** Creates Kamailio's tables in the (empty) database `url`. */
export async function createKamailioSchema(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const file of [...KAMAILIO_SCHEMA, REGISTRATION_EVENT_SCHEMA]) await c.query(readFileSync(file, "utf8"));
  } finally {
    await c.end();
  }
}
