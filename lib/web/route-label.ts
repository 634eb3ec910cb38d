import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

interface Manifest {
  staticRoutes?: { page: string; regex: string }[];
  dynamicRoutes?: { page: string; regex: string }[];
}

/**
 * Maps a request path to the route it was served by (the Next.js route pattern from the build's
 * routes-manifest.json: `/staff/customers/[id]`, not the id), so metrics have one series per route,
 * whatever paths clients send. Build assets are `/_next`; anything else is `(unmatched)`.
 */
export function routeLabeler(manifest: Manifest): (pathname: string) => string {
  const routes = [...(manifest.staticRoutes ?? []), ...(manifest.dynamicRoutes ?? [])].map((r) => ({ page: r.page, re: new RegExp(r.regex) }));
  return (pathname) => {
    if (pathname.startsWith("/_next/")) return "/_next";
    for (const r of routes) if (r.re.test(pathname)) return r.page;
    return "(unmatched)";
  };
}

/** routeLabeler for the build in `distDir` (every path is `(unmatched)` without a manifest). */
export function routeLabelerFor(distDir: string): (pathname: string) => string {
  const file = path.join(distDir, "routes-manifest.json");
  return routeLabeler(existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Manifest) : {});
}
