// Child processes the benchmark starts (the PostgreSQL server, the portal, the build), each
// stopped by its own pid (process group) when the benchmark ends, also on Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];

/** Runs `cleanup` when the benchmark ends (in reverse order of registration). */
export function atExit(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

let cleaning: Promise<void> | undefined;

/** Stops every child and runs the cleanups; a second call (Ctrl-C during the normal end) waits for the first. */
export function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) stopChild(child);
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()!();
      } catch (error) {
        console.error("cleanup failed:", error);
      }
    }
  })();
  return cleaning;
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, signal); // its own process group: tsx's inner node process too
  } catch {
    child.kill(signal);
  }
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts a command in its own process group; its output is kept (last 200 kB) for error messages. */
export function start(command: string, args: string[], env: Record<string, string | undefined>, cwd = process.cwd()): Started {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.add(child);
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-200_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    output: () => out,
    stop: async () => {
      stopChild(child);
      const killed = sleep(10_000).then(() => stopChild(child, "SIGKILL"));
      await Promise.race([exited, killed]);
      children.delete(child);
    },
  };
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(command: string, args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 15 * 60_000): Promise<string> {
  const s = start(command, args, env);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      stopChild(s.child, "SIGKILL");
    }, timeoutMs);
    s.child.once("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  children.delete(s.child);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}:\n${s.output().slice(-4000)}`);
  return s.output();
}

/** Waits until `url` answers (any HTTP status below 500). */
export async function waitForHttp(url: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (!alive()) throw new Error(`the process serving ${url} exited`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(300);
  }
}
