import * as z from "zod/mini";
import { hasControlCharacter } from "../validation/text";

/** Every support action states why, and is confirmed (shared by the form and the server action). */
export const staffActionSchema = z.object({
  // The reason is stored in the audit log; it may run over several lines.
  reason: z
    .string({ error: "errors.reasonRequired" })
    .check(
      z.trim(),
      z.minLength(5, "errors.reasonRequired"),
      z.maxLength(500, "errors.reasonTooLong"),
      z.refine((s) => !hasControlCharacter(s, { multiline: true }), "errors.invalidCharacters"),
    ),
  confirm: z.literal(true, { error: "errors.confirmRequired" }),
});
export type StaffActionInput = z.input<typeof staffActionSchema>;
