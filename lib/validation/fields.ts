import { z } from "zod";

// Field schemas defined once and composed into the per-form schemas (client and server alike).
// Messages are keys of the "errors" message catalogue, translated where they are shown.

/** Full-width digits and letters (ＡＢ１２) → half-width; the customer may paste either. */
export function toHalfWidth(value: string): string {
  return value.replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, " ");
}

// Control characters (NUL included) are refused outright rather than stored or echoed.
const noControl = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);

export const selfcareIdField = z
  .string({ error: "errors.selfcareIdRequired" })
  .trim()
  .min(1, "errors.selfcareIdRequired")
  .max(64, "errors.selfcareIdTooLong")
  .refine(noControl, "errors.invalidCharacters");

export const selfcarePasswordField = z
  .string({ error: "errors.selfcarePasswordRequired" })
  .min(1, "errors.selfcarePasswordRequired")
  .max(128, "errors.selfcarePasswordTooLong")
  .refine(noControl, "errors.invalidCharacters");

export const codeField = z
  .string({ error: "errors.codeFormat" })
  .max(32, "errors.codeFormat")
  .transform((v) => toHalfWidth(v).replace(/[\s-]/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, "errors.codeFormat"));
