// The floor under page weight: an empty App Router application (a root layout and a page of one
// line of text, no client component, no configuration but where to find node_modules) built by the
// project's own Next.js and measured as the portal's routes are (scripts/bench/page-weight.ts). What
// it loads, every App Router page built with this Next.js loads; the portal's routes are reported
// against it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "@playwright/test";
import { freePort } from "@/tests/fixtures/net";
import { scriptsLoaded } from "./http";
import { pageWeights, type RouteWeight } from "./page-weight";
import { run, start, waitForHttp } from "./procs";

/** Inside the project (git-ignored), so that its imports of next and react resolve to ours. */
export const EMPTY_APP_PARENT = ".tmp";

const files = (root: string): Record<string, string> => ({
  "app/layout.jsx": `export default function RootLayout({ children }) {\n  return (\n    <html lang="en">\n      <body>{children}</body>\n    </html>\n  );\n}\n`,
  "app/page.jsx": `export default function Page() {\n  return <p>Hello</p>;\n}\n`,
  // Turbopack resolves nothing outside its root; the root is the project, whose node_modules it uses.
  "next.config.mjs": `export default { turbopack: { root: ${JSON.stringify(root)} } };\n`,
});

/** Builds the empty application, serves it on a free port, and measures its page with `browser`. */
export async function emptyNextWeight(browser: Browser): Promise<RouteWeight> {
  mkdirSync(EMPTY_APP_PARENT, { recursive: true });
  // A folder of its own, so that two runs in one checkout leave each other alone.
  const dir = mkdtempSync(path.resolve(EMPTY_APP_PARENT, "bench-empty-next-"));
  try {
    for (const [file, text] of Object.entries(files(process.cwd()))) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    // The portal's settings (its build folder above all) must not reach the empty application.
    const env = { NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: undefined, NODE_ENV: undefined };
    await run("node_modules/.bin/next", ["build", dir], env);
    const port = await freePort();
    const server = start("node_modules/.bin/next", ["start", dir, "-p", String(port), "-H", "127.0.0.1"], env);
    try {
      const url = `http://127.0.0.1:${port}/`;
      await waitForHttp(url, 60_000, () => server.child.exitCode === null).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${server.output().slice(-3000)}`);
      });
      const loaded = await scriptsLoaded(browser, url);
      const [weight] = pageWeights(path.join(dir, ".next"), new Map([["(empty page)", loaded]]));
      if (!weight) throw new Error("the empty page was not measured");
      return weight;
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
