// `npm run db:migrate`: applies the SQL migrations not yet applied (the server does this at start too).
import { database } from "../lib/db";
import { EnvError } from "../lib/env";
import { migrate } from "../lib/migrate";

try {
  const applied = await migrate(database());
  console.log(applied.length ? `Applied: ${applied.join(", ")}` : "The database is up to date.");
  await database().close();
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
}
