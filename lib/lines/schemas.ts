import * as z from "zod/mini";
import { toHalfWidth } from "../validation/fields";
import { hasControlCharacter } from "../validation/text";
import { weakNewPasswordMessage } from "./password-strength";

// The password-change form: one schema for react-hook-form (zodResolver) and the server action.
// Messages are keys of the "errors" catalogue.

const DASHES = /[-‐‑‒–—―−ー－ｰ]/g;

/** 050 number as customers type or paste it: full-width digits, hyphens and spaces are removed. */
export function normalizePhoneNumber(value: string): string {
  return toHalfWidth(value).replace(DASHES, "").replace(/\s+/g, "");
}

export const PHONE_PATTERN = /^050\d{8}$/;

export const phoneNumberField = z.pipe(
  z.pipe(z.string({ error: "errors.phoneFormat" }).check(z.maxLength(64, "errors.phoneFormat")), z.transform(normalizePhoneNumber)),
  z.string().check(z.regex(PHONE_PATTERN, "errors.phoneFormat")),
);

export const LINE_PASSWORD_LENGTH = 8;

// Weak passwords (a SIP-oriented deny list shipped as data, sequences, near-repeats, the line's own
// number): lib/lines/password-strength.ts. The self-care ID is checked by the server action
// (weakLinePasswordReason), which knows whose line it is.
export { weakPasswordReason } from "./password-strength";

const text = (max: number) => z.string({ error: "errors.required" }).check(z.maxLength(max, "errors.tooLong"));

const passwordChangeFields = z.object({
  number: z.string({ error: "errors.phoneFormat" }).check(z.maxLength(64, "errors.phoneFormat")),
  currentPassword: text(64),
  newPassword: text(64),
  confirmPassword: text(64),
  idempotencyKey: z.uuid({ error: "errors.formExpired" }),
  // The reflection promise the screen showed (lib/lines/promise.ts); "" when it showed none.
  promised: z.optional(z.string({ error: "errors.formExpired" }).check(z.maxLength(64, "errors.formExpired"))),
});

export const passwordChangeSchema = z
  .pipe(
    passwordChangeFields,
    z.transform((v: z.output<typeof passwordChangeFields>) => ({ ...v, number: normalizePhoneNumber(v.number) })),
  )
  .check(
    z.superRefine((v, ctx) => {
      const at = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
      if (!PHONE_PATTERN.test(v.number)) at("number", "errors.phoneFormat");
      if (v.currentPassword.length === 0) at("currentPassword", "errors.currentPasswordRequired");
      // No line password holds a control character: one is refused as input, not counted as a wrong guess.
      else if (hasControlCharacter(v.currentPassword)) at("currentPassword", "errors.invalidCharacters");
      if (v.newPassword.length === 0) at("newPassword", "errors.newPasswordRequired");
      else if (!/^[a-z0-9]*$/.test(v.newPassword)) at("newPassword", "errors.newPasswordCharset");
      else if (v.newPassword.length !== LINE_PASSWORD_LENGTH) at("newPassword", "errors.newPasswordLength");
      else if (weakNewPasswordMessage(v.newPassword, v.number)) at("newPassword", weakNewPasswordMessage(v.newPassword, v.number)!);
      else if (v.newPassword === v.currentPassword) at("newPassword", "errors.newPasswordSame");
      if (v.confirmPassword.length === 0) at("confirmPassword", "errors.confirmPasswordRequired");
      else if (v.confirmPassword !== v.newPassword) at("confirmPassword", "errors.confirmPasswordMismatch");
    }),
  );

export type PasswordChangeInput = z.input<typeof passwordChangeSchema>;
export type PasswordChangeData = z.output<typeof passwordChangeSchema>;
