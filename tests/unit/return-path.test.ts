import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeReturnPath } from "@/lib/web/request";

// Issue 14, item 3: a return path with a control character passed the old prefix filter, and the
// browser, which drops tabs and newlines from URLs, left the site ("/\t/evil.example" → //evil.example).
const BASE = "https://portal.example.jp";
const CONTROL = [..."\u0000\u0001\t\n\r\u000b\u000c\u001b\u007f\u0085\u00a0\u2028\u2029\u200b\u202e\u3000\ufeff "];

describe("safeReturnPath: only a known page of this site", () => {
  it.each([
    ["/password", "/password"],
    ["/menu?x=1", "/menu?x=1"],
    ["/password/complete?id=3f1c2b9e-5a4d-4e8f-9c1b-2a3d4e5f6a7b", "/password/complete?id=3f1c2b9e-5a4d-4e8f-9c1b-2a3d4e5f6a7b"],
    ["/staff/customers/3f1c2b9e-5a4d-4e8f-9c1b-2a3d4e5f6a7b", "/staff/customers/3f1c2b9e-5a4d-4e8f-9c1b-2a3d4e5f6a7b"],
    ["/./menu", "/menu"],
    ["/menu#top", "/menu"],
    ["/nowhere", "/fallback"],
    ["/menu/../..//evil.example", "/fallback"],
    ["/staff/customers/not-a-uuid", "/fallback"],
    ["//evil.example", "/fallback"],
    ["/\\evil.example", "/fallback"],
    ["https://evil.example/", "/fallback"],
    ["javascript:alert(1)", "/fallback"],
    ["/%2F%2Fevil.example", "/fallback"],
    ["", "/fallback"],
    [undefined, "/fallback"],
    [["/password"], "/fallback"],
  ])("%j → %s", (value, expected) => {
    expect(safeReturnPath(value, "/fallback")).toBe(expected);
  });

  it.each(CONTROL.map((c) => [JSON.stringify(c)] as const).map(([n], i) => [n, CONTROL[i]!] as const))("refuses %s anywhere in the path", (_name, c) => {
    for (const value of [`/${c}/evil.example`, `${c}//evil.example`, `/menu${c}`, `/${c}\\evil.example`, `/menu?next=${c}`]) {
      expect(safeReturnPath(value, "/fallback")).toBe("/fallback");
    }
  });

  it("never returns anything a browser would resolve off the site (property, 20 000 strings)", () => {
    const piece = fc.oneof(fc.constantFrom("/", "//", "\\", ".", "..", "menu", "evil.example", "@", ":", "?", "#", "%2F", "%09", "http:", ...CONTROL), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const out = safeReturnPath(parts.join(""), "/fallback");
        if (out === "/fallback") return;
        expect(out).toMatch(/^\/(?!\/)/);
        expect(out).not.toMatch(/[\u0000-\u0020\u007f-\u00a0\\]/);
        // Whatever a browser strips (tab, newline) is absent, so resolution is the same as ours.
        expect(new URL(out, BASE).origin).toBe(BASE);
      }),
      { numRuns: 20_000 },
    );
  });
});
