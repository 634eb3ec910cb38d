// Runs `prisma generate`. The normal path is tried first (a laptop with a working Prisma CLI); when
// the CLI cannot fetch its schema engine (no network beyond the npm registry), it is run again with a
// placeholder engine, which `generate` never calls.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const placeholder = fileURLToPath(new URL("./prisma-engine-placeholder.sh", import.meta.url));
const run = (extraEnv) =>
  spawnSync("npx", ["--no-install", "prisma", "generate"], {
    stdio: "inherit",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1", ...extraEnv },
    timeout: 120_000,
  });

let result = process.env.PRISMA_SCHEMA_ENGINE_BINARY ? run({}) : run({ PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: "1" });
if (result.status !== 0 && !process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  console.warn("prisma generate failed on the normal path; retrying with a placeholder schema engine");
  result = run({ PRISMA_SCHEMA_ENGINE_BINARY: placeholder });
}
process.exit(result.status ?? 1);
