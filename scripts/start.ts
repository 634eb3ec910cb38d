// `npm start`: check the configuration, find the build of the current sources (build it first
// outside production), then serve it with scripts/serve.ts (Next.js behind a server that records
// the real client address). Builds are immutable folders named by the sources' content
// (scripts/builds.ts, docs/decisions/014-immutable-builds.md): a restart with unchanged sources
// serves at once, and a build never happens in a folder another running instance serves.
// Migrations, demo data and the embedded worker run inside the server process (instrumentation.ts),
// because embedded PGlite allows one process only.
import { spawn } from "node:child_process";
import { BuildFailed, buildFolder, ensureBuild, isCompleteBuild, markServing, nextBuild, pruneBuilds, sourceHash } from "./builds";
import { EnvError, parseEnv, type Env } from "../lib/env";

let config: Env;
try {
  config = parseEnv(process.env);
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${config.PORT}` };

async function findBuild(): Promise<string> {
  // An explicit build folder (a benchmark, a hand-made build) is served as it is.
  if (process.env.NEXT_DIST_DIR) return process.env.NEXT_DIST_DIR;
  if (config.APP_ENV === "production") {
    const hash = sourceHash();
    const folder = buildFolder(hash);
    if (!isCompleteBuild(folder)) {
      console.error(
        `There is no build of these sources (${hash}) in ${folder}. In production \`npm start\` never builds:\n` +
          `run \`npm run build\` first (once per release, with the same sources and BUILD_DIR), then \`npm start\`.`,
      );
      process.exit(1);
    }
    console.log(`Serving the build ${folder}`);
    return folder;
  }
  try {
    const r = await ensureBuild({ say: (line) => console.log(line), build: (dir) => nextBuild(dir, env) });
    if (r.built) pruneBuilds();
    console.log(r.built ? `Built ${r.folder}` : `Serving the build ${r.folder} (the sources are unchanged: no build)`);
    return r.folder;
  } catch (error) {
    if (error instanceof BuildFailed) {
      console.error(`The portal cannot start: ${error.message}`);
      process.exit(error.status);
    }
    throw error;
  }
}

const distDir = await findBuild();
markServing(distDir);
const server = spawn(process.execPath, ["--import", "tsx", "scripts/serve.ts"], { stdio: "inherit", env: { ...env, NEXT_DIST_DIR: distDir } });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
