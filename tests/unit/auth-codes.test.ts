import { describe, expect, it, vi } from "vitest";
import { CODE_LENGTH, CODE_MAX_ATTEMPTS, CODE_TTL_MS, challengeState, generateCode, maskEmail } from "@/lib/auth/codes";
import { codeSchema, loginSchema } from "@/lib/auth/schemas";

// The issue's numbers, written out here so that a change to the constants is a visible decision.
describe("code constants", () => {
  it("are 6 digits, 10 minutes, 5 attempts", () => {
    expect(CODE_LENGTH).toBe(6);
    expect(CODE_TTL_MS).toBe(10 * 60 * 1000);
    expect(CODE_MAX_ATTEMPTS).toBe(5);
  });
});

describe("generateCode", () => {
  it("is always a string of exactly 6 digits", () => {
    for (let i = 0; i < 2_000; i++) {
      const code = generateCode();
      expect(typeof code).toBe("string");
      expect(code).toMatch(/^\d{6}$/);
    }
  });

  it("varies (not a constant, not a narrow range)", () => {
    const codes = new Set(Array.from({ length: 500 }, () => generateCode()));
    // 500 draws from a million: a collision or two is possible, a handful of values is not.
    expect(codes.size).toBeGreaterThan(490);
    const firstDigits = new Set([...codes].map((c) => c[0]));
    expect(firstDigits.size).toBeGreaterThanOrEqual(8);
  });

  it("keeps leading zeros (small random values are padded, not shortened)", async () => {
    // Make the CSPRNG return small numbers: the code must still have 6 characters.
    vi.resetModules();
    vi.doMock("node:crypto", async (importOriginal) => {
      const actual = await importOriginal<typeof import("node:crypto")>();
      const values = [0, 7, 42, 999, 12_345, 999_999];
      let i = 0;
      return { ...actual, randomInt: () => values[i++ % values.length] };
    });
    try {
      const fresh = await import("@/lib/auth/codes");
      expect(Array.from({ length: 6 }, () => fresh.generateCode())).toEqual(["000000", "000007", "000042", "000999", "012345", "999999"]);
    } finally {
      vi.doUnmock("node:crypto");
      vi.resetModules();
    }
  });

  it("draws from the whole range 000000–999999 of the CSPRNG", async () => {
    vi.resetModules();
    const calls: unknown[][] = [];
    vi.doMock("node:crypto", async (importOriginal) => {
      const actual = await importOriginal<typeof import("node:crypto")>();
      return {
        ...actual,
        randomInt: (...args: unknown[]) => {
          calls.push(args);
          return 123_456;
        },
      };
    });
    try {
      const fresh = await import("@/lib/auth/codes");
      expect(fresh.generateCode()).toBe("123456");
      expect(calls).toEqual([[0, 1_000_000]]);
    } finally {
      vi.doUnmock("node:crypto");
      vi.resetModules();
    }
  });
});

describe("maskEmail", () => {
  it("keeps the first character and the domain", () => {
    expect(maskEmail("demo0001@example.jp")).toBe("d***@example.jp");
    expect(maskEmail("Taro.Yamada+ipphone@mail.example.co.jp")).toBe("T***@mail.example.co.jp");
  });

  it("does not reveal the local part's length", () => {
    expect(maskEmail("a@example.jp")).toBe("a***@example.jp");
    expect(maskEmail("abcdefghijklmnop@example.jp")).toBe("a***@example.jp");
  });

  it("uses the last @ (a quoted local part may contain one)", () => {
    expect(maskEmail('"a@b"@example.jp')).toBe('"***@example.jp');
  });

  it("reveals nothing for a malformed address", () => {
    expect(maskEmail("")).toBe("***");
    expect(maskEmail("no-at-sign")).toBe("***");
    expect(maskEmail("@example.jp")).toBe("***");
  });

  it("never contains the full local part", () => {
    const masked = maskEmail("secretlocal@example.jp");
    expect(masked).not.toContain("secretlocal");
    expect(masked).toBe("s***@example.jp");
  });
});

describe("challengeState", () => {
  const t0 = new Date("2026-11-25T05:00:00.000Z");
  const expiresAt = new Date(t0.getTime() + CODE_TTL_MS);
  const open = { expiresAt, attempts: 0, consumedAt: null, invalidatedAt: null };
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it("is open from creation until just before expiresAt", () => {
    expect(challengeState(open, t0)).toBe("open");
    expect(challengeState(open, at(CODE_TTL_MS - 1))).toBe("open");
  });

  it("expires exactly at expiresAt (half-open interval)", () => {
    expect(challengeState(open, expiresAt)).toBe("expired");
    expect(challengeState(open, at(CODE_TTL_MS + 1))).toBe("expired");
    expect(challengeState(open, at(24 * 3_600_000))).toBe("expired");
  });

  it("is consumed once used, even before expiry and whatever else is true", () => {
    const consumed = { ...open, consumedAt: at(1_000) };
    expect(challengeState(consumed, at(2_000))).toBe("consumed");
    expect(challengeState(consumed, at(CODE_TTL_MS + 1))).toBe("consumed");
    expect(challengeState({ ...consumed, attempts: CODE_MAX_ATTEMPTS }, at(2_000))).toBe("consumed");
  });

  it("stays open below the attempt limit and is dead at it", () => {
    for (let attempts = 0; attempts < CODE_MAX_ATTEMPTS; attempts++) {
      expect(challengeState({ ...open, attempts }, t0)).toBe("open");
    }
    expect(challengeState({ ...open, attempts: CODE_MAX_ATTEMPTS }, t0)).toBe("dead");
    expect(challengeState({ ...open, attempts: CODE_MAX_ATTEMPTS + 3 }, t0)).toBe("dead");
  });

  it("is dead once invalidated (a newer sign-in or a lockout)", () => {
    expect(challengeState({ ...open, invalidatedAt: at(5) }, at(10))).toBe("dead");
  });

  it("prefers dead over expired (no resend can revive a dead challenge)", () => {
    expect(challengeState({ ...open, attempts: CODE_MAX_ATTEMPTS }, at(CODE_TTL_MS + 1))).toBe("dead");
    expect(challengeState({ ...open, invalidatedAt: at(5) }, at(CODE_TTL_MS + 1))).toBe("dead");
  });
});

describe("codeSchema", () => {
  const parse = (code: unknown) => codeSchema.safeParse({ code });
  const messages = (code: unknown) => {
    const r = parse(code);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };

  it("accepts 6 half-width digits as they are", () => {
    expect(parse("012345")).toEqual({ success: true, data: { code: "012345" } });
  });

  it("normalises full-width digits", () => {
    expect(parse("１２３４５６")).toEqual({ success: true, data: { code: "123456" } });
    expect(parse("０１２ ３４５")).toEqual({ success: true, data: { code: "012345" } });
  });

  it("removes spaces (including the ideographic space) and hyphens", () => {
    expect(parse(" 123 456 ")).toEqual({ success: true, data: { code: "123456" } });
    expect(parse("123-456")).toEqual({ success: true, data: { code: "123456" } });
    expect(parse("123\u3000456")).toEqual({ success: true, data: { code: "123456" } });
    expect(parse("１２３－４５６")).toEqual({ success: true, data: { code: "123456" } });
  });

  it("rejects 5 or 7 digits with errors.codeFormat", () => {
    expect(messages("12345")).toEqual(["errors.codeFormat"]);
    expect(messages("1234567")).toEqual(["errors.codeFormat"]);
    expect(messages("１２３４５")).toEqual(["errors.codeFormat"]);
  });

  it("rejects letters, empty input and a missing value with errors.codeFormat", () => {
    expect(messages("12345a")).toEqual(["errors.codeFormat"]);
    expect(messages("")).toEqual(["errors.codeFormat"]);
    expect(messages("   ")).toEqual(["errors.codeFormat"]);
    expect(messages(undefined)).toEqual(["errors.codeFormat"]);
    expect(messages(123456)).toEqual(["errors.codeFormat"]);
  });

  it("rejects an over-long paste before normalising it", () => {
    expect(messages("1".repeat(33))).toEqual(["errors.codeFormat"]);
  });

  it("rejects a NUL character", () => {
    expect(parse("123\u0000456").success).toBe(false);
    expect(parse("123456\u0000").success).toBe(false);
  });
});

describe("loginSchema", () => {
  const issues = (input: unknown) => {
    const r = loginSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  };

  it("accepts an ID and a password, trimming only the ID", () => {
    expect(loginSchema.parse({ selfcareId: "  demo0001 ", password: " pass word " })).toEqual({ selfcareId: "demo0001", password: " pass word " });
  });

  it("names each empty field with its own message", () => {
    expect(issues({ selfcareId: "", password: "" })).toEqual([
      { path: "selfcareId", message: "errors.selfcareIdRequired" },
      { path: "password", message: "errors.selfcarePasswordRequired" },
    ]);
    expect(issues({ selfcareId: "   ", password: "x" })).toEqual([{ path: "selfcareId", message: "errors.selfcareIdRequired" }]);
    expect(issues({ selfcareId: "demo0001", password: "" })).toEqual([{ path: "password", message: "errors.selfcarePasswordRequired" }]);
  });

  it("treats missing fields as empty ones", () => {
    expect(issues({})).toEqual([
      { path: "selfcareId", message: "errors.selfcareIdRequired" },
      { path: "password", message: "errors.selfcarePasswordRequired" },
    ]);
  });

  it("rejects a NUL character in either field", () => {
    expect(issues({ selfcareId: "demo\u00000001", password: "x" })).toEqual([{ path: "selfcareId", message: "errors.invalidCharacters" }]);
    expect(issues({ selfcareId: "demo0001", password: "pa\u0000ss" })).toEqual([{ path: "password", message: "errors.invalidCharacters" }]);
  });

  it("bounds the lengths (64 for the ID, 128 for the password)", () => {
    expect(issues({ selfcareId: "a".repeat(64), password: "p".repeat(128) })).toEqual([]);
    expect(issues({ selfcareId: "a".repeat(65), password: "p" })).toEqual([{ path: "selfcareId", message: "errors.selfcareIdTooLong" }]);
    expect(issues({ selfcareId: "a", password: "p".repeat(129) })).toEqual([{ path: "password", message: "errors.selfcarePasswordTooLong" }]);
  });
});
