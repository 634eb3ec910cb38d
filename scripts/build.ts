// `npm run build`: build the current sources into BUILD_DIR/<hash> (scripts/builds.ts), unless a
// complete build of them is there already. Safe while servers run: it never writes into a build
// another process serves. In production this is the only way a build is made.
import { BuildFailed, ensureBuild, nextBuild, pruneBuilds } from "./builds";

try {
  const r = await ensureBuild({ say: (line) => console.log(line), build: (dir) => nextBuild(dir) });
  if (r.built) console.log(`Built ${r.folder}; removed old builds: ${pruneBuilds().join(", ") || "none"}`);
  else console.log(`${r.folder} is already a complete build of these sources: nothing to do`);
} catch (error) {
  if (error instanceof BuildFailed) {
    console.error(error.message);
    process.exit(error.status);
  }
  throw error;
}
