import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildFolder, pruneBuilds, sourceHash } from "@/scripts/builds";

// The build a start serves is chosen by the sources' content: what next-intl rewrites when the
// config is loaded (messages/ja.d.json.ts) and mere mtimes never select a new build.
let dir: string;
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
};
function checkout() {
  dir = mkdtempSync(path.join(tmpdir(), "selfcare-builds-"));
  write("app/page.tsx", "export default function Page() { return null; }\n");
  write("messages/ja.json", '{"a":"あ"}\n');
  write("messages/ja.d.json.ts", "declare const messages: {a: 'あ'};\n");
  write("next.config.ts", "export default {};\n");
  write("tests/unit/x.test.ts", "// not part of a build\n");
}
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("sourceHash", () => {
  it("ignores mtimes, generated declarations and files outside the build", () => {
    checkout();
    const before = sourceHash(dir);
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(dir, "app/page.tsx"), later, later);
    write("messages/ja.d.json.ts", "declare const messages: {a: 'あ', rewritten: true};\n");
    write("tests/unit/x.test.ts", "// edited\n");
    expect(sourceHash(dir)).toBe(before);
  });

  it.each([["app/page.tsx"], ["messages/ja.json"], ["next.config.ts"], ["lib/new-file.ts"]])("changes when %s changes", (rel) => {
    checkout();
    const before = sourceHash(dir);
    write(rel, "// changed\n");
    const after = sourceHash(dir);
    expect(after).not.toBe(before);
    // so new sources are built into a folder of their own, never into the one being served
    expect(buildFolder(after, "b")).not.toBe(buildFolder(before, "b"));
  });
});

describe("pruneBuilds", () => {
  it("keeps the newest builds and any build a live process serves", () => {
    checkout();
    const root = path.join(dir, "builds");
    const make = (name: string, ageS: number, servedBy?: number) => {
      const f = path.join(root, name);
      mkdirSync(path.join(f, ".serving"), { recursive: true });
      writeFileSync(path.join(f, "BUILD_ID"), name);
      writeFileSync(path.join(f, ".build-complete"), "");
      const t = new Date(Date.now() - ageS * 1000);
      utimesSync(path.join(f, ".build-complete"), t, t);
      if (servedBy) writeFileSync(path.join(f, ".serving", String(servedBy)), "");
    };
    make("aaaaaaaaaaaaaaa1", 10);
    make("aaaaaaaaaaaaaaa2", 20);
    make("aaaaaaaaaaaaaaa3", 30, process.pid); // old, but served by a live process (this one)
    make("aaaaaaaaaaaaaaa4", 40, 2 ** 22 + 12345); // old, its server is gone
    mkdirSync(path.join(root, "bbbbbbbbbbbbbbb1")); // unfinished, nobody builds it
    const removed = pruneBuilds(2, root).map((f) => path.basename(f)).sort();
    expect(removed).toEqual(["aaaaaaaaaaaaaaa4", "bbbbbbbbbbbbbbb1"]);
  });
});
