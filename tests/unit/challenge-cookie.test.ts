import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { challengeCookieValue, challengeIdFromCookie } from "@/lib/auth/challenge-cookie";
import { isUuid } from "@/lib/validation/ids";

// Issue 14, items 4 and 11: the challenge id shown in the audit trail is not a usable cookie, and a
// value that is not a UUID never reaches the database.
process.env.NEXTAUTH_SECRET ??= "unit-test-secret-0123456789abcdef0123456789";
process.env.CREDENTIAL_KEY ??= "ab".repeat(32);

describe("challenge cookie", () => {
  it("round-trips an id, and refuses the bare id, a tampered id or signature, and junk", () => {
    const id = randomUUID();
    const value = challengeCookieValue(id);
    expect(challengeIdFromCookie(value)).toBe(id);
    expect(challengeIdFromCookie(id)).toBeNull();
    const other = randomUUID();
    expect(challengeIdFromCookie(`${other}${value.slice(36)}`)).toBeNull();
    expect(challengeIdFromCookie(`${value.slice(0, -1)}${value.endsWith("A") ? "B" : "A"}`)).toBeNull();
    for (const junk of ["", ".", "x".repeat(4000), `${"-".repeat(36)}.${value.slice(37)}`, `${id}.`, `${id}..`, undefined, null]) expect(challengeIdFromCookie(junk)).toBeNull();
  });
});

describe("isUuid", () => {
  it.each([
    ["0123456789abcdef0123456789abcdef0123", false],
    ["-".repeat(36), false],
    ["aaaaaaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaa", false],
    ["3f1c2b9e-5a4d-4e8f-9c1b-2a3d4e5f6a7-", false],
    ["3f1c2b9e-5a4d-4e8f-9c1b-2a3d4e5f6a7g", false],
    ["3f1c2b9e-5a4d-4e8f-9c1b-2a3d4e5f6a7b", true],
    ["3F1C2B9E-5A4D-4E8F-9C1B-2A3D4E5F6A7B", true],
  ])("%s → %s", (v, ok) => expect(isUuid(v)).toBe(ok));
});
