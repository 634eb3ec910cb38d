"use server";

import type { FormResult } from "@/lib/web/form-result";
import { login, logout, resend } from "../../_auth/shared";

/** Staff sign-in, step 1: the same two-step code, sessions and lockout as customers. */
export async function staffLoginAction(input: unknown, next?: unknown): Promise<FormResult> {
  return login("staff", input, next);
}

export async function staffResendAction(): Promise<FormResult> {
  return resend();
}

export async function staffLogoutAction(): Promise<void> {
  await logout("staff");
}
