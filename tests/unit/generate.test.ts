import { describe, expect, it } from "vitest";
import { generateLinePassword } from "@/lib/lines/generate";
import { passwordChangeSchema, weakPasswordReason } from "@/lib/lines/schemas";

describe("generateLinePassword", () => {
  it("gives 8 lowercase letters and digits, with both kinds, never weak, accepted by the form's schema", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const p = generateLinePassword("05012345678");
      expect(p).toMatch(/^[a-z0-9]{8}$/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/\d/);
      expect(weakPasswordReason(p, "05012345678")).toBeNull();
      seen.add(p);
    }
    expect(seen.size).toBeGreaterThan(1990);
    const p = generateLinePassword("05012345678");
    const r = passwordChangeSchema.safeParse({ number: "05012345678", currentPassword: "abcd1234", newPassword: p, confirmPassword: p, idempotencyKey: crypto.randomUUID() });
    expect(r.success).toBe(true);
  });

  it("rejects biased bytes (≥ 252) instead of folding them onto the alphabet", () => {
    // A source that offers only bytes 252..255 first, then usable ones: the result must skip them.
    let calls = 0;
    const source = (b: Uint8Array) => {
      calls++;
      if (calls === 1) return b.fill(253);
      for (let i = 0; i < b.length; i++) b[i] = (i * 7 + calls * 11) % 36;
      return b;
    };
    const p = generateLinePassword(undefined, source);
    expect(calls).toBeGreaterThan(1);
    expect(p).toMatch(/^[a-z0-9]{8}$/);
  });
});
