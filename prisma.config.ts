import { defineConfig } from "prisma/config";

// The portal applies its own SQL migrations at start (scripts/db-migrate.ts, docs/decisions/002).
// The URL is only for a normal Prisma CLI on a developer's laptop (`prisma migrate status`, studio).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx scripts/db-seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/selfcare" },
});
