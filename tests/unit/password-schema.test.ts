import { createHash, randomBytes, randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seal, unseal } from "@/lib/crypto/seal";
import { normalizePhoneNumber, passwordChangeSchema, weakPasswordReason } from "@/lib/lines/schemas";
import { sipCredential } from "@/lib/sip/digest";
import { md5 } from "../helpers/md5";

// The password-change form's one schema (issue 4, SPEC.md input screen), the sealing of the SIP
// credential material, and the digest values. Expected values are literals or independent
// re-computations, never calls of the code under test.

const KEY = "0b6f2c43-5a4e-4f43-9a0e-3c1d2e5f6a7b";
const NUMBER = "05031415926";

const valid = {
  number: NUMBER,
  currentPassword: "oldpass1",
  newPassword: "k7m2x9qa",
  confirmPassword: "k7m2x9qa",
  idempotencyKey: KEY,
};

/** The message on `field` (first issue on that path), or undefined. */
function messageOn(input: unknown, field: string): string | undefined {
  const r = passwordChangeSchema.safeParse(input);
  if (r.success) return undefined;
  return r.error.issues.find((i) => i.path[0] === field)?.message;
}

/** Every field that carries an issue. */
function fieldsWithIssues(input: unknown): string[] {
  const r = passwordChangeSchema.safeParse(input);
  if (r.success) return [];
  return [...new Set(r.error.issues.map((i) => String(i.path[0])))].sort();
}


// ---- independent oracles of the rules (not the implementation's helpers) -------------------------

const isRepeated = (p: string) => p.length > 0 && [...p].every((c) => c === p[0]);
function isRun(p: string): boolean {
  const codes = [...p].map((c) => c.charCodeAt(0));
  const up = codes.every((c, i) => i === 0 || c === codes[i - 1]! + 1);
  const down = codes.every((c, i) => i === 0 || c === codes[i - 1]! - 1);
  return up || down;
}
const KNOWN_COMMON = ["password", "passw0rd", "qwertyui", "iloveyou", "abcd1234", "12341234", "00000000", "sunshine", "football", "1qaz2wsx"];

// ---- arbitraries ---------------------------------------------------------------------------------

const FULL_WIDTH_DIGITS = "０１２３４５６７８９";
const DASHES = ["-", "ー", "−", "‐", "－", "–", "—", "ｰ"];
const SPACES = [" ", "\u3000", "\t"];

/** Characters customers paste, and hostile ones: full-width, emoji, control, surrogate halves, RTL. */
const nastyChar = fc.oneof(
  fc.constantFrom(..."0123456789abcdefxyzABCXYZ"),
  fc.constantFrom(...FULL_WIDTH_DIGITS, "ａ", "ｚ", "Ａ", "Ｚ"),
  fc.constantFrom(...DASHES, ...SPACES, "\n", "\r", "\u0000", "\u0007", "\u007f", "\u200b", "\u202e", "\ufeff"),
  fc.constantFrom("😀", "👨‍👩‍👧", "\ud800", "\udfff", "漢", "ア", "ｱ", "é", "e\u0301", "٣", "߀"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 2 }),
);
const nastyString = fc.oneof(
  fc.string({ unit: nastyChar, maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string(),
);

/** A line number as typed or pasted: valid digits, with full-width digits, dashes and spaces mixed in. */
const messyNumber = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 }),
    fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.constant(""), fc.constantFrom(...DASHES, ...SPACES))), { minLength: 12, maxLength: 12 }),
  )
  .map(([tail, decorations]) => {
    const plain = `050${tail.join("")}`;
    const typed = [...plain]
      .map((d, i) => {
        const [fullWidth, after] = decorations[i]!;
        const digit = fullWidth ? FULL_WIDTH_DIGITS[Number(d)]! : d;
        return digit + after;
      })
      .join("");
    const [, before] = decorations[11]!;
    return { plain, typed: before + typed };
  });

/** Passwords close to the rules, so both sides of every rule are reached often. */
const nearPassword = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"), minLength: 8, maxLength: 8 }),
  fc.string({ unit: fc.constantFrom(..."abc123XYZ０ａ-_ !😀"), minLength: 6, maxLength: 10 }),
  fc.constantFrom("12345678", "abcdefgh", "87654321", "aaaaaaaa", "password", "03141592", "31415926", "k7m2x9qa", "oldpass1"),
  nastyString,
);

// ---- example tests -------------------------------------------------------------------------------

describe("passwordChangeSchema: examples", () => {
  it("accepts a valid form and returns the normalised number", () => {
    const r = passwordChangeSchema.safeParse(valid);
    expect(r.success).toBe(true);
    expect(r.data).toEqual(valid);
  });

  it.each([
    ["０５０−３１４１−５９２６", NUMBER],
    ["050-3141-5926", NUMBER],
    ["050ー3141ー5926", NUMBER],
    ["050‐3141‐5926", NUMBER],
    ["050－3141－5926", NUMBER],
    ["050 3141 5926", NUMBER],
    ["050\u30003141\u30005926", NUMBER],
    ["  05031415926  ", NUMBER],
    ["０５０３１４１５９２６", NUMBER],
  ])("normalises %j to %s", (typed, expected) => {
    expect(normalizePhoneNumber(typed)).toBe(expected);
    const r = passwordChangeSchema.safeParse({ ...valid, number: typed });
    expect(r.success).toBe(true);
    expect(r.data?.number).toBe(expected);
  });

  it.each([
    "",
    "0503141592", // 10 digits
    "050314159260", // 12 digits
    "09031415926", // not 050
    "+815031415926",
    "05031415926x",
    "O5031415926", // letter O
    "050.3141.5926",
    "050/3141/5926",
    "(050)31415926",
    "０５０３１４１５９２６７",
    "050٣1415926", // Arabic-Indic digit
  ])("refuses the number %j with errors.phoneFormat", (number) => {
    expect(messageOn({ ...valid, number }, "number")).toBe("errors.phoneFormat");
  });

  it("refuses an over-long number under the number field", () => {
    // More than 64 characters is refused before normalisation ("errors.tooLong", not the screen's
    // phone-format message: see the report).
    expect(["errors.phoneFormat", "errors.tooLong"]).toContain(messageOn({ ...valid, number: "0".repeat(65) }, "number"));
    expect(["errors.phoneFormat", "errors.tooLong"]).toContain(messageOn({ ...valid, number: `050-3141-5926${" ".repeat(60)}` }, "number"));
  });

  it.each(["K7m2x9qa", "K7M2X9QA", "ｋ７ｍ２ｘ９ｑａ", "k7m2x9qＡ", "k7m2x9q-", "k7m2x9q ", "k7m2x9qé", "k7m2x9q😀"])(
    "refuses the new password %j with errors.newPasswordCharset",
    (newPassword) => {
      expect(messageOn({ ...valid, newPassword, confirmPassword: newPassword }, "newPassword")).toBe("errors.newPasswordCharset");
    },
  );

  it.each(["k7m2x9q", "k7m2x9qab", "a", "k7m2x9qak7m2x9qa"])("refuses the new password %j with errors.newPasswordLength", (newPassword) => {
    expect(messageOn({ ...valid, newPassword, confirmPassword: newPassword }, "newPassword")).toBe("errors.newPasswordLength");
  });

  it.each(["12345678", "abcdefgh", "87654321", "hgfedcba", "23456789", "stuvwxyz", "aaaaaaaa", "00000000", "99999999", "password", "passw0rd", "iloveyou", "abcd1234"])(
    "refuses the weak new password %j with one of the errors.newPasswordWeak* messages (which says why)",
    (newPassword) => {
      expect(messageOn({ ...valid, newPassword, confirmPassword: newPassword }, "newPassword")).toMatch(/^errors\.newPasswordWeak[A-Z]/);
    },
  );

  it("refuses the digits of the line's own number (after normalisation) as errors.newPasswordWeakNumber", () => {
    for (const newPassword of ["05031415", "50314159", "03141592", "31415926"]) {
      expect(messageOn({ ...valid, newPassword, confirmPassword: newPassword }, "newPassword"), newPassword).toBe("errors.newPasswordWeakNumber");
      expect(messageOn({ ...valid, number: "０５０-３１４１-５９２６", newPassword, confirmPassword: newPassword }, "newPassword"), newPassword).toBe("errors.newPasswordWeakNumber");
    }
    // The same digits are fine for another line.
    expect(passwordChangeSchema.safeParse({ ...valid, number: "05099990000", newPassword: "31415926", confirmPassword: "31415926" }).success).toBe(true);
  });

  it("refuses a mismatched confirmation with errors.confirmPasswordMismatch on confirmPassword only", () => {
    const input = { ...valid, confirmPassword: "k7m2x9qb" };
    expect(messageOn(input, "confirmPassword")).toBe("errors.confirmPasswordMismatch");
    expect(fieldsWithIssues(input)).toEqual(["confirmPassword"]);
    // Case and width differences are mismatches too (the new password is valid, the confirmation is not equal).
    expect(messageOn({ ...valid, confirmPassword: "K7M2X9QA" }, "confirmPassword")).toBe("errors.confirmPasswordMismatch");
  });

  it("refuses a new password equal to the current one with errors.newPasswordSame", () => {
    const input = { ...valid, currentPassword: "k7m2x9qa" };
    expect(messageOn(input, "newPassword")).toBe("errors.newPasswordSame");
    expect(fieldsWithIssues(input)).toEqual(["newPassword"]);
  });

  it("reports empty fields under their own names", () => {
    expect(messageOn({ ...valid, currentPassword: "" }, "currentPassword")).toBe("errors.currentPasswordRequired");
    expect(messageOn({ ...valid, newPassword: "" }, "newPassword")).toBe("errors.newPasswordRequired");
    expect(messageOn({ ...valid, confirmPassword: "" }, "confirmPassword")).toBe("errors.confirmPasswordRequired");
    expect(messageOn({ ...valid, number: "" }, "number")).toBe("errors.phoneFormat");
    const all = { number: "", currentPassword: "", newPassword: "", confirmPassword: "", idempotencyKey: KEY };
    expect(fieldsWithIssues(all)).toEqual(["confirmPassword", "currentPassword", "newPassword", "number"]);
  });

  it("refuses a missing field (not a string) without throwing", () => {
    for (const field of ["number", "currentPassword", "newPassword", "confirmPassword"] as const) {
      const rest: Record<string, unknown> = { ...valid };
      delete rest[field];
      const r = passwordChangeSchema.safeParse(rest);
      expect(r.success, field).toBe(false);
      expect(fieldsWithIssues(rest), field).toContain(field);
      expect(fieldsWithIssues({ ...valid, [field]: 12345678 }), field).toContain(field);
    }
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["not a UUID", "not-a-uuid"],
    ["a UUID with a bad variant", "0b6f2c43-5a4e-4f43-ca0e-3c1d2e5f6a7b"],
    ["a UUID and more", `${KEY}x`],
    ["a number", 42],
    ["null", null],
  ])("refuses an idempotencyKey that is %s", (_label, idempotencyKey) => {
    const input: Record<string, unknown> = { ...valid, idempotencyKey };
    if (idempotencyKey === undefined) delete input.idempotencyKey;
    expect(passwordChangeSchema.safeParse(input).success).toBe(false);
    expect(messageOn(input, "idempotencyKey")).toBe("errors.formExpired");
  });

  it("accepts any random v4 UUID as the idempotency key", () => {
    for (let i = 0; i < 50; i++) expect(passwordChangeSchema.safeParse({ ...valid, idempotencyKey: randomUUID() }).success).toBe(true);
  });

  // How fast is for a benchmark to say, not a timed test on a shared machine.
  it("refuses huge inputs without throwing", () => {
    const huge = "a".repeat(1_000_000);
    for (const field of ["number", "currentPassword", "newPassword", "confirmPassword", "idempotencyKey"]) {
      const r = passwordChangeSchema.safeParse({ ...valid, [field]: huge });
      expect(r.success, field).toBe(false);
      expect(fieldsWithIssues({ ...valid, [field]: huge }), field).toContain(field);
    }
    expect(passwordChangeSchema.safeParse({ ...valid, number: `050${" ".repeat(500_000)}31415926` }).success).toBe(false);
  });

  it("never echoes a password in an error message", () => {
    const r = passwordChangeSchema.safeParse({ ...valid, currentPassword: "k7m2x9qa", confirmPassword: "zzzzqqq9" });
    expect(r.success).toBe(false);
    const text = JSON.stringify(r.error?.issues);
    expect(text).not.toContain("k7m2x9qa");
    expect(text).not.toContain("zzzzqqq9");
  });
});

describe("weakPasswordReason", () => {
  it("names the reason", () => {
    expect(weakPasswordReason("aaaaaaaa")).toBe("repeated");
    expect(weakPasswordReason("11111111")).toBe("repeated");
    expect(weakPasswordReason("12345678")).toBe("run");
    expect(weakPasswordReason("abcdefgh")).toBe("run");
    expect(weakPasswordReason("87654321")).toBe("run");
    expect(weakPasswordReason("password")).toBe("common");
    expect(weakPasswordReason("31415926", NUMBER)).toBe("number");
    expect(weakPasswordReason("31415926")).toBeNull();
    expect(weakPasswordReason("k7m2x9qa", NUMBER)).toBeNull();
    expect(weakPasswordReason("13572468", NUMBER)).toBeNull();
  });

  it("property: every repeated character and every ±1 run of a-z or 0-9 is weak", () => {
    fc.assert(
      fc.property(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"), (c) => {
        expect(weakPasswordReason(c.repeat(8))).toBe("repeated");
      }),
    );
    for (const alphabet of ["abcdefghijklmnopqrstuvwxyz", "0123456789"]) {
      for (let i = 0; i + 8 <= alphabet.length; i++) {
        const run = alphabet.slice(i, i + 8);
        expect(weakPasswordReason(run), run).toBe("run");
        expect(weakPasswordReason([...run].reverse().join("")), run).toBe("run");
      }
    }
  });

  it("property: every 8 consecutive digits of the number are weak for that number", () => {
    fc.assert(
      fc.property(messyNumber, fc.integer({ min: 0, max: 3 }), ({ plain }, start) => {
        expect(weakPasswordReason(plain.slice(start, start + 8), plain)).not.toBeNull();
      }),
    );
  });

  it("property: never throws, whatever the input", () => {
    fc.assert(
      fc.property(nastyString, fc.option(nastyString, { nil: undefined }), (p, n) => {
        const reason = weakPasswordReason(p, n);
        expect([null, "repeated", "run", "common", "number"]).toContain(reason);
      }),
    );
  });
});

describe("normalizePhoneNumber", () => {
  it("property: full-width digits, hyphens (- ー − ‐ －) and spaces anywhere give back the plain number", () => {
    fc.assert(
      fc.property(messyNumber, ({ plain, typed }) => {
        expect(normalizePhoneNumber(typed)).toBe(plain);
      }),
      { numRuns: 500 },
    );
  });

  it("property: is idempotent and never throws", () => {
    fc.assert(
      fc.property(nastyString, (s) => {
        const once = normalizePhoneNumber(s);
        expect(normalizePhoneNumber(once)).toBe(once);
        expect(once).not.toMatch(/\s/);
      }),
    );
  });
});

// ---- properties of the whole schema --------------------------------------------------------------

const UUID_V4ISH = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** What every accepted form must satisfy, checked independently of the schema's own helpers. */
function expectMeetsTheRules(out: Record<string, unknown>, input: Record<string, unknown>) {
  expect(typeof out.number).toBe("string");
  const number = out.number as string;
  const next = out.newPassword as string;
  expect(number).toMatch(/^050\d{8}$/);
  expect(next).toMatch(/^[a-z0-9]{8}$/);
  expect(out.confirmPassword).toBe(next);
  expect(out.currentPassword).not.toBe(next);
  expect(typeof out.currentPassword).toBe("string");
  expect((out.currentPassword as string).length).toBeGreaterThan(0);
  expect(isRepeated(next)).toBe(false);
  expect(isRun(next)).toBe(false);
  expect(KNOWN_COMMON).not.toContain(next);
  expect(/^\d+$/.test(next) && number.includes(next)).toBe(false);
  expect(out.idempotencyKey).toMatch(UUID_V4ISH);
  // Passwords pass through untouched (no trimming, no case folding).
  expect(out.newPassword).toBe(input.newPassword);
  expect(out.currentPassword).toBe(input.currentPassword);
  // The number is the typed one with only full-width digits, dashes and spaces taken out.
  const typedDigits = [...String(input.number)].map((c) => {
    const i = FULL_WIDTH_DIGITS.indexOf(c);
    return i >= 0 ? String(i) : c;
  });
  expect(typedDigits.filter((c) => /\d/.test(c)).join("")).toBe(number);
}

describe("passwordChangeSchema: properties", () => {
  it("property: no value at all makes safeParse throw (fc.anything as the whole input)", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true }), (input) => {
        const r = passwordChangeSchema.safeParse(input);
        expect(typeof r.success).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });

  it("property: no value in any field makes safeParse throw, and a non-string field is always refused", () => {
    const anyField = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withBoxedValues: true });
    fc.assert(
      fc.property(fc.record({ number: anyField, currentPassword: anyField, newPassword: anyField, confirmPassword: anyField, idempotencyKey: anyField }, { requiredKeys: [] }), (input) => {
        const r = passwordChangeSchema.safeParse(input);
        expect(typeof r.success).toBe("boolean");
        if (r.success) expectMeetsTheRules(r.data, input as Record<string, unknown>);
        for (const field of ["number", "currentPassword", "newPassword", "confirmPassword"] as const) {
          if (typeof (input as Record<string, unknown>)[field] !== "string") expect(r.success).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.constantFrom("number", "currentPassword", "newPassword", "confirmPassword", "idempotencyKey"), anyField, (field, value) => {
        const input = { ...valid, [field]: value };
        const r = passwordChangeSchema.safeParse(input);
        if (r.success) expectMeetsTheRules(r.data, input);
        else expect(fieldsWithIssues(input)).toContain(field);
      }),
      { numRuns: 500 },
    );
  });

  it("property: full-width, emoji, control characters and huge strings never crash it; whatever is accepted meets the rules", () => {
    const huge = fc.oneof(nastyString, fc.string({ minLength: 60, maxLength: 5_000 }), fc.constant("０".repeat(10_000)), fc.constant("😀".repeat(10_000)));
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(messyNumber.map((n) => n.typed), huge),
        fc.oneof(nearPassword, huge),
        fc.oneof(nearPassword, huge),
        fc.boolean(),
        nastyString,
        fc.oneof(fc.constant(KEY), fc.uuid(), nastyString),
        (number, currentPassword, newPassword, confirmSame, otherConfirm, idempotencyKey) => {
          const input = { number, currentPassword, newPassword, confirmPassword: confirmSame ? newPassword : otherConfirm, idempotencyKey };
          const r = passwordChangeSchema.safeParse(input);
          if (r.success) {
            accepted++;
            expectMeetsTheRules(r.data, input);
          } else for (const issue of r.error.issues) expect(issue.message).toMatch(/^errors\.[A-Za-z]+$/);
        },
      ),
      { numRuns: 1_000 },
    );
    // The property is not vacuous: a fair share of the generated forms is accepted.
    expect(accepted).toBeGreaterThan(5);
  });

  it("property: a form that meets every rule is accepted (the schema refuses nothing it should accept)", () => {
    const goodPassword = fc
      .string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"), minLength: 8, maxLength: 8 })
      .filter((p) => !isRepeated(p) && !isRun(p) && !KNOWN_COMMON.includes(p));
    fc.assert(
      fc.property(messyNumber, goodPassword, fc.string({ minLength: 1, maxLength: 64 }), fc.uuid({ version: 4 }), ({ plain, typed }, next, current, idempotencyKey) => {
        fc.pre(current !== next && weakPasswordReason(next, plain) === null);
        const r = passwordChangeSchema.safeParse({ number: typed, currentPassword: current, newPassword: next, confirmPassword: next, idempotencyKey });
        expect(r.success).toBe(true);
        expect(r.data?.number).toBe(plain);
      }),
      { numRuns: 500 },
    );
  });

  it("property: upper-case or full-width characters in an otherwise valid new password give errors.newPasswordCharset", () => {
    const bad = fc.constantFrom(..."ABCXYZ", ..."ａｂｚ０１９Ａ", "😀", " ", "-", "_", "é");
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."k7m2x9qa"), minLength: 7, maxLength: 7 }),
        bad,
        fc.integer({ min: 0, max: 7 }),
        (base, ch, at) => {
          const newPassword = base.slice(0, at) + ch + base.slice(at);
          expect(messageOn({ ...valid, newPassword, confirmPassword: newPassword }, "newPassword")).toBe("errors.newPasswordCharset");
        },
      ),
    );
  });

  it("property: a confirmation different from a valid new password gives errors.confirmPasswordMismatch", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (confirmPassword) => {
        fc.pre(confirmPassword !== valid.newPassword);
        expect(messageOn({ ...valid, confirmPassword }, "confirmPassword")).toBe("errors.confirmPasswordMismatch");
      }),
    );
  });
});

// ---- lib/crypto/seal.ts --------------------------------------------------------------------------

describe("seal / unseal (AES-256-GCM)", () => {
  const key = randomBytes(32);
  const context = randomUUID();
  const plain = JSON.stringify({ username: "05087654321", realm: "sip.example.jp", ha1: "f50e5cea848264e7234d7d38e452d37a" });

  it("round-trips, and never shows the plain text", () => {
    const sealed = seal(plain, key, context);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/);
    expect(sealed).not.toContain("f50e5cea848264e7234d7d38e452d37a");
    expect(sealed).not.toContain("05087654321");
    expect(unseal(sealed, key, context)).toBe(plain);
  });

  it("uses a fresh IV each time (two seals of one text differ, both open)", () => {
    const a = seal(plain, key, context);
    const b = seal(plain, key, context);
    expect(a).not.toBe(b);
    expect(a.split(".")[1]).not.toBe(b.split(".")[1]);
    expect(unseal(a, key, context)).toBe(plain);
    expect(unseal(b, key, context)).toBe(plain);
  });

  it("property: round-trips any text (emoji, NUL, empty) under any key and context", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ maxLength: 40 }), (text, k, ctx) => {
        const keyBuf = Buffer.from(k);
        expect(unseal(seal(text, keyBuf, ctx), keyBuf, ctx)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it("throws with the wrong key", () => {
    const sealed = seal(plain, key, context);
    const other = Buffer.from(key);
    other[0] = other[0]! ^ 1;
    expect(() => unseal(sealed, other, context)).toThrow();
    expect(() => unseal(sealed, randomBytes(32), context)).toThrow();
  });

  it("throws with the wrong context (a sealed value copied onto another row does not open)", () => {
    const sealed = seal(plain, key, context);
    expect(() => unseal(sealed, key, randomUUID())).toThrow();
    expect(() => unseal(sealed, key, "")).toThrow();
    expect(() => unseal(sealed, key, `${context} `)).toThrow();
  });

  it("throws when any part is tampered with", () => {
    const sealed = seal(plain, key, context);
    const parts = sealed.split(".");
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, "base64url");
      buf[buf.length - 1] = buf[buf.length - 1]! ^ 0x01;
      return buf.toString("base64url");
    };
    for (const index of [1, 2, 3]) {
      const tampered = parts.map((p, i) => (i === index ? flip(p) : p)).join(".");
      expect(tampered).not.toBe(sealed);
      expect(() => unseal(tampered, key, context), `part ${index}`).toThrow();
    }
    // Truncations, a dropped tag, another version and garbage.
    expect(() => unseal(parts.slice(0, 3).join("."), key, context)).toThrow();
    expect(() => unseal([parts[0], parts[1], "", parts[3]].join("."), key, context)).toThrow();
    expect(() => unseal([parts[0], parts[1], parts[2]!.slice(0, 8), parts[3]].join("."), key, context)).toThrow();
    expect(() => unseal(sealed.slice(0, -4), key, context)).toThrow();
    expect(() => unseal(`v2${sealed.slice(2)}`, key, context)).toThrow();
    expect(() => unseal("", key, context)).toThrow();
    expect(() => unseal(plain, key, context)).toThrow();
  });

  it("throws on a truncated authentication tag (GCM must insist on the full 16 bytes)", () => {
    // Node accepts 4-, 8- and 12..15-byte GCM tags unless authTagLength is given: a prefix of the
    // real tag would then open the value, and forging needs 2^32 tries instead of 2^128.
    const [v, iv, tag, ct] = seal(plain, key, context).split(".") as [string, string, string, string];
    for (const bytes of [4, 8, 12, 15]) {
      const short = Buffer.from(tag, "base64url").subarray(0, bytes).toString("base64url");
      expect(() => unseal([v, iv, short, ct].join("."), key, context), `${bytes}-byte tag`).toThrow();
    }
  });

  it("property: flipping any single bit of the ciphertext or tag makes it throw", () => {
    const sealed = seal(plain, key, context);
    const [v, iv, tag, ct] = sealed.split(".") as [string, string, string, string];
    const raw = Buffer.concat([Buffer.from(tag, "base64url"), Buffer.from(ct, "base64url")]);
    const tagLength = Buffer.from(tag, "base64url").length;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: raw.length * 8 - 1 }), (bit) => {
        const copy = Buffer.from(raw);
        copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
        const forged = [v, iv, copy.subarray(0, tagLength).toString("base64url"), copy.subarray(tagLength).toString("base64url")].join(".");
        expect(() => unseal(forged, key, context)).toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a key that is not 32 bytes", () => {
    expect(() => seal(plain, randomBytes(16), context)).toThrow(RangeError);
    expect(() => seal(plain, randomBytes(31), context)).toThrow(RangeError);
    expect(() => seal(plain, Buffer.alloc(0), context)).toThrow(RangeError);
  });
});

// ---- lib/sip/digest.ts ---------------------------------------------------------------------------

describe("sipCredential (SIP digest HA1)", () => {
  it("HA1 = md5(number:realm:password) and HA1b = md5(number@realm:realm:password)", () => {
    const c = sipCredential("05087654321", "sip.example.jp", "efgh5678");
    const ha1 = createHash("md5").update("05087654321:sip.example.jp:efgh5678").digest("hex");
    const ha1b = createHash("md5").update("05087654321@sip.example.jp:sip.example.jp:efgh5678").digest("hex");
    expect(c).toEqual({ username: "05087654321", realm: "sip.example.jp", ha1, ha1b });
    // The same values as literals (md5sum), so a wrong md5 helper would not go unnoticed either.
    expect(c.ha1).toBe("f50e5cea848264e7234d7d38e452d37a");
    expect(c.ha1b).toBe("978e3cbe5afd2a62647dc2a8a5991262");
    expect(JSON.stringify(c)).not.toContain("efgh5678");
  });

  it("matches the RFC 2617 example (Mufasa / testrealm@host.com / Circle Of Life)", () => {
    expect(sipCredential("Mufasa", "testrealm@host.com", "Circle Of Life").ha1).toBe("939e7578ed9e3c518a452acee763bce9");
  });

  it("property: depends on every input, is lower-case hex, never carries the password", () => {
    fc.assert(
      fc.property(messyNumber, fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"), minLength: 8, maxLength: 8 }), ({ plain }, password) => {
        const c = sipCredential(plain, "sip.example.jp", password);
        expect(c.ha1).toBe(md5(`${plain}:sip.example.jp:${password}`));
        expect(c.ha1b).toBe(md5(`${plain}@sip.example.jp:sip.example.jp:${password}`));
        expect(c.ha1).toMatch(/^[0-9a-f]{32}$/);
        expect(c.ha1b).not.toBe(c.ha1);
        expect(sipCredential(plain, "other.example.jp", password).ha1).not.toBe(c.ha1);
        expect(JSON.stringify(c).includes(`:${password}`)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
