import * as z from "zod/mini";
import { codeField, selfcareIdField, selfcarePasswordField } from "../validation/fields";

/** The login form (セルフケアID / セルフケアパスワード), shared by the browser and the server action. */
export const loginSchema = z.object({ selfcareId: selfcareIdField, password: selfcarePasswordField });
export type LoginInput = z.input<typeof loginSchema>;

/** The two-step code form. */
export const codeSchema = z.object({ code: codeField });
export type CodeInput = z.input<typeof codeSchema>;
