// `npm run db:seed`: loads the demo accounts that are missing. Refused in production unless SEED_DEMO=1.
import { demoSeedAllowed } from "../lib/boot";
import { database } from "../lib/db";
import { EnvError } from "../lib/env";
import { migrate } from "../lib/migrate";
import { seedDemo } from "../lib/seed";

try {
  if (!demoSeedAllowed()) {
    console.error("Demo data is not loaded in production (APP_ENV=production) unless SEED_DEMO=1.");
    process.exit(1);
  }
  await migrate(database());
  const created = await seedDemo(database().prisma);
  console.log(`Demo data: ${created} customer(s) created (existing ones left as they were).`);
  await database().close();
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
}
