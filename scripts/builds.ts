// Immutable, content-addressed builds (docs/decisions/014-immutable-builds.md). A build lives in
// BUILD_DIR/<hash of the sources>/ and is never written again once complete, so any number of
// servers can serve it while another source state is built into a folder of its own.
//   - sourceHash(): the sources' content (not their mtimes), without generated declarations.
//   - ensureBuild(): build unless a complete build of this hash exists; one builder at a time per
//     hash (a lock folder), the others wait for it and then serve the same build.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** What a build is made of: folders (recursively) and single files, relative to the checkout. */
export const SOURCE_DIRS = ["app", "components", "lib", "testing", "i18n", "messages", "public", "generated"];
export const SOURCE_FILES = ["next.config.ts", "proxy.ts", "instrumentation.ts", "global.d.ts", "package.json", "package-lock.json", "tsconfig.json", "tsconfig.next.json", "postcss.config.mjs"];
/** Written by tools from other sources (next-intl rewrites it whenever next.config.ts is loaded): never a reason to build. */
const GENERATED = (rel: string) => /^messages\/.*\.d\.json\.ts$/.test(rel);

const COMPLETE = ".build-complete";

function listFiles(root: string, rel: string, out: string[]): void {
  const full = path.join(root, rel);
  if (!existsSync(full)) return;
  if (!statSync(full).isDirectory()) {
    out.push(rel);
    return;
  }
  for (const entry of readdirSync(full, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    listFiles(root, path.posix.join(rel, entry.name), out);
  }
}

/** SHA-256 (first 16 hex digits) of the sources' paths and contents. */
export function sourceHash(root = process.cwd()): string {
  const files: string[] = [];
  for (const item of [...SOURCE_DIRS, ...SOURCE_FILES]) listFiles(root, item, files);
  const hash = createHash("sha256");
  // A production build leaves the test-data API out (next.config.ts): it is another build of the same sources.
  if (process.env.APP_ENV === "production") hash.update("APP_ENV=production\0");
  for (const rel of files.filter((f) => !GENERATED(f)).sort()) {
    hash.update(rel).update("\0").update(readFileSync(path.join(root, rel))).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

export function buildRoot(): string {
  return process.env.BUILD_DIR?.trim() || ".next-builds";
}

/** The folder of the build of `hash` (relative to the checkout, as Next.js's distDir wants). */
export function buildFolder(hash: string, root = buildRoot()): string {
  return path.join(root, hash);
}

export function isCompleteBuild(folder: string): boolean {
  return existsSync(path.join(folder, COMPLETE)) && existsSync(path.join(folder, "BUILD_ID"));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the build lock of `hash`, or returns the pid of the live process holding it. */
function tryLock(lock: string): number | null {
  try {
    mkdirSync(lock);
    writeFileSync(path.join(lock, "pid"), String(process.pid));
    return null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    let holder = NaN;
    try {
      holder = Number(readFileSync(path.join(lock, "pid"), "utf8"));
    } catch {
      // Being created this instant: its pid file follows.
      return -1;
    }
    if (Number.isInteger(holder) && alive(holder)) return holder;
    // The builder died: its lock and its unfinished folder are left over.
    rmSync(lock, { recursive: true, force: true });
    return tryLock(lock);
  }
}

export type BuildOutcome = { folder: string; hash: string; built: boolean };

/**
 * Returns a complete build of the current sources, building it first if there is none. Never
 * writes into a complete build (the one other servers may be serving). `build` runs `next build`
 * with NEXT_DIST_DIR set to the new folder and returns its exit status.
 */
export async function ensureBuild(options: {
  root?: string;
  say: (line: string) => void;
  build: (distDir: string) => number;
}): Promise<BuildOutcome> {
  const root = options.root ?? buildRoot();
  const hash = sourceHash();
  const folder = buildFolder(hash, root);
  if (isCompleteBuild(folder)) return { folder, hash, built: false };
  mkdirSync(root, { recursive: true });
  const lock = path.join(root, `${hash}.lock`);
  let waitedFor: number | null = null;
  for (;;) {
    const holder = tryLock(lock);
    if (holder === null) break;
    if (holder !== waitedFor && holder > 0) {
      options.say(`Another process (pid ${holder}) is building these sources into ${folder}: waiting for it…`);
      waitedFor = holder;
    }
    await sleep(500);
  }
  try {
    if (isCompleteBuild(folder)) return { folder, hash, built: false };
    rmSync(folder, { recursive: true, force: true }); // an unfinished build of a builder that died
    options.say(`Building the portal into ${folder} (next build)…`);
    const status = options.build(folder);
    if (status !== 0) throw new BuildFailed(status);
    writeFileSync(path.join(folder, COMPLETE), `${new Date().toISOString()}\n`);
    const pointer = path.join(root, "current");
    writeFileSync(`${pointer}.${process.pid}`, `${hash}\n`);
    renameSync(`${pointer}.${process.pid}`, pointer);
    return { folder, hash, built: true };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export class BuildFailed extends Error {
  constructor(readonly status: number) {
    super(`next build failed (exit ${status})`);
  }
}

/** `next build` into `distDir`, output to this process's terminal. */
export function nextBuild(distDir: string, env: NodeJS.ProcessEnv = process.env): number {
  const r = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], {
    stdio: "inherit",
    env: { ...env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir },
  });
  return r.status ?? 1;
}

/** Marks `folder` as served by this process until it exits (pruning leaves it alone). */
export function markServing(folder: string): void {
  const dir = path.join(folder, ".serving");
  mkdirSync(dir, { recursive: true });
  const mark = path.join(dir, String(process.pid));
  writeFileSync(mark, "");
  process.on("exit", () => rmSync(mark, { force: true }));
}

/** Removes complete builds beyond the `keep` newest that no live process serves, and unfinished ones nobody builds. */
export function pruneBuilds(keep = 3, root = buildRoot()): string[] {
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  const folders = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[0-9a-f]{16}$/.test(d.name))
    .map((d) => path.join(root, d.name));
  const unfinished = folders.filter((f) => !isCompleteBuild(f) && !existsSync(`${f}.lock`));
  const complete = folders.filter(isCompleteBuild).sort((a, b) => statSync(path.join(b, COMPLETE)).mtimeMs - statSync(path.join(a, COMPLETE)).mtimeMs);
  const servedNow = (folder: string) => {
    const dir = path.join(folder, ".serving");
    return existsSync(dir) && readdirSync(dir).some((pid) => alive(Number(pid)));
  };
  for (const folder of complete.slice(keep)) {
    if (servedNow(folder)) continue;
    rmSync(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  for (const folder of unfinished) {
    rmSync(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return removed;
}
