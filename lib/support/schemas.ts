import * as z from "zod/mini";

/** Every support action states why, and is confirmed (shared by the form and the server action). */
export const staffActionSchema = z.object({
  reason: z.string({ error: "errors.reasonRequired" }).check(z.trim(), z.minLength(5, "errors.reasonRequired"), z.maxLength(500, "errors.reasonTooLong")),
  confirm: z.literal(true, { error: "errors.confirmRequired" }),
});
export type StaffActionInput = z.input<typeof staffActionSchema>;
