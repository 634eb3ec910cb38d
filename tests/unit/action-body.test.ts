import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { actionArgumentsProblem, actionRequestProblem, pagePostProblem } from "@/lib/web/action-body";

// The proxy's gate for server action bodies: what React's own client sends passes, what it cannot
// decode (and Next.js would answer with a 500) is named.
const require = createRequire(import.meta.url);
const { encodeReply } = require("next/dist/compiled/react-server-dom-webpack/client.node") as { encodeReply: (v: unknown[]) => Promise<string | FormData> };

const post = (body: string | FormData, contentType?: string) =>
  new Request("http://portal.test/login", { method: "POST", headers: contentType ? { "content-type": contentType } : {}, body });

describe("actionRequestProblem", () => {
  it("passes every body React's client encodes for the portal's actions", async () => {
    const form = new FormData();
    form.set("locale", "en");
    form.set("returnTo", "/menu");
    const calls: unknown[][] = [
      [{ selfcareId: "$abc", password: "x", missing: undefined }, "/menu"],
      [{ number: "050-1234-5678", currentPassword: "a", newPassword: "b", confirmPassword: "b", idempotencyKey: crypto.randomUUID() }],
      ["$$x", -0, Infinity, -Infinity, NaN, 10n, new Date(0), null, true, 1.5],
      ["😀\u0000<script>"],
      [form],
      [],
    ];
    for (const args of calls) {
      const body = await encodeReply(args);
      const request = typeof body === "string" ? post(body, "text/plain;charset=UTF-8") : post(body);
      expect(await actionRequestProblem(request), JSON.stringify(args, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).toBeNull();
    }
  });

  it("names bodies that are not an argument list", async () => {
    expect(await actionRequestProblem(post("selfcareId=x", "text/plain"))).toMatch(/not JSON/);
    expect(await actionRequestProblem(post('{"selfcareId":"x"}', "text/plain"))).toMatch(/not a list/);
    expect(await actionRequestProblem(post("not multipart", "multipart/form-data; boundary=xyz"))).toMatch(/not multipart/);
    const noRoot = new FormData();
    noRoot.set("_1_x", "y");
    expect(await actionRequestProblem(post(noRoot))).toMatch(/no argument list/);
    expect(actionArgumentsProblem(`${"[".repeat(100)}${"]".repeat(100)}`)).toMatch(/deeply/);
  });

  it("names references to rows, promises, maps, server references and the like", () => {
    for (const ref of ["$1", "$@1", "$Q2", "$W2", "$F1", "$h1", "$T", "$i1", "$B1", "$R1", "$A1", "$nope", "$n12a", "$K1_"]) {
      expect(actionArgumentsProblem(JSON.stringify([{ nested: [ref] }])), ref).toMatch(/unsupported reference/);
    }
  });

  it("lets a form posted without JavaScript through when it is form data, and names it otherwise", async () => {
    const form = new FormData();
    form.set("$ACTION_ID_abc", "");
    form.set("locale", "en");
    expect(await pagePostProblem(post(form))).toBeNull();
    expect(await pagePostProblem(post("a=b", "application/x-www-form-urlencoded"))).toBeNull();
    expect(await pagePostProblem(post("not multipart", "multipart/form-data; boundary=xyz"))).toMatch(/not multipart/);
    const action = new Request("http://portal.test/login", { method: "POST", headers: { "next-action": "abc", "content-type": "text/plain" }, body: "nope" });
    expect(await pagePostProblem(action)).toMatch(/not JSON/);
  });
});
