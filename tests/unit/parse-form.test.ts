import { describe, expect, it } from "vitest";
import { loginSchema } from "@/lib/auth/schemas";
import { passwordChangeSchema } from "@/lib/lines/schemas";
import { parseForm } from "@/lib/validation/parse-form";
import { safeReturnPath } from "@/lib/web/request";

// What a server action does with whatever arrived over HTTP before its use-case runs.
describe("parseForm", () => {
  it("parses a valid form with the form's own schema (its transforms included)", () => {
    expect(parseForm(loginSchema, { selfcareId: "  demo0001 ", password: "pw" })).toEqual({ success: true, data: { selfcareId: "demo0001", password: "pw" } });
  });

  it.each([null, undefined, 42, "selfcareId=x", [{ selfcareId: "x", password: "y" }]])("treats %j as an empty form: the form's own field errors", (input) => {
    expect(parseForm(loginSchema, input)).toEqual({ success: false, fieldErrors: { selfcareId: "errors.selfcareIdRequired", password: "errors.selfcarePasswordRequired" } });
  });

  it("keeps the first message of each field", () => {
    const r = parseForm(passwordChangeSchema, { number: "12", currentPassword: "", newPassword: "ABC", confirmPassword: "x", idempotencyKey: "00000000-0000-4000-8000-000000000000" });
    expect(r).toEqual({
      success: false,
      fieldErrors: { number: "errors.phoneFormat", currentPassword: "errors.currentPasswordRequired", newPassword: "errors.newPasswordCharset", confirmPassword: "errors.confirmPasswordMismatch" },
    });
  });
});

describe("safeReturnPath", () => {
  it.each([
    ["/password", "/password"],
    ["//evil.example", "/menu"],
    ["/\\evil.example", "/menu"],
    ["https://evil.example/", "/menu"],
    ["", "/menu"],
    [undefined, "/menu"],
    [["/password"], "/menu"],
    [{ toString: (): string => "/password" }, "/menu"],
    ["/\t/evil.example", "/menu"],
  ])("%j → %s", (value, expected) => {
    expect(safeReturnPath(value, "/menu")).toBe(expected);
  });
});
