import compile from "icu-minify/compile";
import format from "icu-minify/format";
import { _createCache, _createIntlFormatters, createTranslator } from "use-intl/core";
import { describe, expect, it } from "vitest";
import en from "@/messages/en.json";
import ja from "@/messages/ja.json";

// The production build precompiles the catalogues (next.config.ts, experimental.messages.precompile)
// and formats them with icu-minify; the worker process and the tests read the raw JSON and format it
// with the full ICU runtime. Every message must read the same both ways, or a customer would see one
// text on the screen and another in the email sent by the other process.

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ""): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === "string" ? [[prefix + k, v] as [string, string]] : leaves(v, `${prefix}${k}.`)));
}

/** Every {argument} of a message, each given a recognisable value. */
function sampleValues(message: string): Record<string, string> {
  return Object.fromEntries([...message.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, `«${name}»`]));
}

const formatters = _createIntlFormatters(_createCache());

describe.each([
  ["ja", ja as Tree],
  ["en", en as Tree],
])("the %s catalogue reads the same precompiled and raw", (locale, catalogue) => {
  const messages = leaves(catalogue);

  it("has messages with arguments to compare (the sampling found them)", () => {
    expect(messages.length).toBeGreaterThan(100);
    expect(messages.filter(([, m]) => Object.keys(sampleValues(m)).length > 0).length).toBeGreaterThan(20);
  });

  it("every message: the same text from icu-minify as from the ICU runtime", () => {
    // Keys are taken from the catalogue at run time, not the typed message keys.
    const t = createTranslator({ locale: locale as "ja" | "en", messages: catalogue, timeZone: "Asia/Tokyo" }) as unknown as (key: string, values: Record<string, string>) => string;
    const differences = messages.flatMap(([key, message]) => {
      const values = sampleValues(message);
      const raw = t(key, values);
      const compiled = format(compile(message), locale, values, { formatters, timeZone: "Asia/Tokyo" });
      return compiled === raw ? [] : [{ key, raw, compiled }];
    });
    expect(differences).toEqual([]);
  });

  it("the service names, which lib/lines/labels.ts reads straight from the JSON, compile to themselves", () => {
    const services = Object.values(catalogue.services as Tree);
    expect(services.length).toBeGreaterThan(1);
    for (const name of services) expect(compile(name as string)).toBe(name);
  });
});

// The types follow the Japanese catalogue (global.d.ts), so English must have the same keys, each
// message with the same arguments, or an English screen could miss a text or print "undefined".
describe("the English catalogue matches the Japanese one", () => {
  const args = (m: string) => [...new Set([...m.matchAll(/\{(\w+)\}/g)].map(([, name]) => name))].sort();
  const jaMessages = new Map(leaves(ja as Tree));
  const enMessages = new Map(leaves(en as Tree));

  it("has the same keys", () => {
    expect([...enMessages.keys()].sort()).toEqual([...jaMessages.keys()].sort());
  });

  it("gives every message the same arguments", () => {
    const differing = [...jaMessages].filter(([key, m]) => enMessages.has(key) && args(m).join() !== args(enMessages.get(key)!).join());
    expect(differing.map(([key]) => key)).toEqual([]);
  });
});
