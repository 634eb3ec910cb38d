import { describe, expect, it } from "vitest";
import en from "@/messages/en.json";
import ja from "@/messages/ja.json";
import { errorPageText } from "@/lib/web/error-page-text";

describe("the error page's words", () => {
  it.each([["ja", ja], ["en", en]] as const)("are the %s catalogue's errorPage messages", (locale, catalogue) => {
    for (const [key, text] of Object.entries(errorPageText[locale])) {
      expect(text, key).toBe((catalogue.errorPage as Record<string, string>)[key]);
    }
  });
});
