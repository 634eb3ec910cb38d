import * as z from "zod/mini";
import { hasControlCharacter } from "./text";

// Field schemas defined once and composed into the per-form schemas (client and server alike).
// zod/mini, not classic zod: the same checks with far less JavaScript for the browser
// (docs/decisions/012-zod-mini-and-precompiled-messages.md).
// Messages are keys of the "errors" message catalogue, translated where they are shown.

/** Full-width digits and letters (ＡＢ１２) → half-width; the customer may paste either. */
export function toHalfWidth(value: string): string {
  return value.replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, " ");
}

const noControl = (s: string) => !hasControlCharacter(s);

export const selfcareIdField = z
  .string({ error: "errors.selfcareIdRequired" })
  .check(z.trim(), z.minLength(1, "errors.selfcareIdRequired"), z.maxLength(64, "errors.selfcareIdTooLong"), z.refine(noControl, "errors.invalidCharacters"));

export const selfcarePasswordField = z
  .string({ error: "errors.selfcarePasswordRequired" })
  .check(z.minLength(1, "errors.selfcarePasswordRequired"), z.maxLength(128, "errors.selfcarePasswordTooLong"), z.refine(noControl, "errors.invalidCharacters"));

export const codeField = z.pipe(
  z.pipe(
    z.string({ error: "errors.codeFormat" }).check(z.maxLength(32, "errors.codeFormat")),
    z.transform((v: string) => toHalfWidth(v).replace(/[\s-]/g, "")),
  ),
  z.string().check(z.regex(/^\d{6}$/, "errors.codeFormat")),
);
