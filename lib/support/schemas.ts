import { z } from "zod";

/** Every support action states why, and is confirmed (shared by the form and the server action). */
export const staffActionSchema = z.object({
  reason: z.string({ error: "errors.reasonRequired" }).trim().min(5, "errors.reasonRequired").max(500, "errors.reasonTooLong"),
  confirm: z.literal(true, { error: "errors.confirmRequired" }),
});
export type StaffActionInput = z.input<typeof staffActionSchema>;
