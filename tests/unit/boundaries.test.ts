import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The layer boundaries of docs/architecture.md, checked on the sources (lint holds the first one too).
const root = path.resolve(import.meta.dirname, "../..");

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && /\.tsx?$/.test(d.name))
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)));
}

const source = (file: string) => readFileSync(path.join(root, file), "utf8");
const imports = (text: string) => [...text.matchAll(/^import\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);

/** The project file an import names (alias or relative), or null for a package. */
function resolve(from: string, spec: string): string | null {
  const base = spec.startsWith("@/") ? path.join(root, spec.slice(2)) : spec.startsWith(".") ? path.resolve(path.dirname(path.join(root, from)), spec) : null;
  if (!base) return null;
  for (const candidate of [`${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) if (existsSync(candidate)) return path.relative(root, candidate);
  return null;
}

const isServerOnly = (file: string) => /^import "server-only";/m.test(source(file));

describe("boundaries", () => {
  it("components never import from app/", () => {
    const offending = files("components").flatMap((f) => imports(source(f)).filter((s) => resolve(f, s)?.startsWith("app/")).map((s) => `${f} → ${s}`));
    expect(offending).toEqual([]);
  });

  it("client components import no server-only module", () => {
    const clients = [...files("components"), ...files("app")].filter((f) => /^["']use client["']/.test(source(f)));
    expect(clients.length).toBeGreaterThan(0);
    const offending = clients.flatMap((f) => imports(source(f)).flatMap((s) => {
      const target = resolve(f, s);
      return target && isServerOnly(target) ? [`${f} → ${target}`] : [];
    }));
    expect(offending).toEqual([]);
  });

  it("every lib/web module that reads the request is marked server-only", () => {
    const readers = files("lib/web").filter((f) => /from "(next\/headers|next-intl\/server)"/.test(source(f)) || /from "\.\.\/(db|log)"/.test(source(f)));
    expect(readers.length).toBeGreaterThan(0);
    expect(readers.filter((f) => !isServerOnly(f))).toEqual([]);
  });

  it("use-cases in lib/ are given the database: only the wiring reads the process's one (lint holds it too)", () => {
    const wiring = new Set(["lib/db.ts", "lib/background.ts", "lib/boot.ts", "lib/readiness.ts", "lib/auth/next-auth.ts"]);
    const readsProcessDb = (f: string) =>
      [...source(f).matchAll(/^import\s+(?!type\s)\{([^}]*)\}\s*from\s+"([^"]+)"/gm)].some((m) => resolve(f, m[2]!) === "lib/db.ts" && /\b(db|database)\b/.test(m[1]!.replace(/\btype\s+\w+/g, "")));
    const offending = files("lib").filter((f) => !wiring.has(f) && !f.startsWith("lib/web/") && readsProcessDb(f));
    expect(offending).toEqual([]);
    expect(files("lib").filter(readsProcessDb).length).toBeGreaterThan(0);
  });
});
