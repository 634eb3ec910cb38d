"use server";

import type { FormResult } from "@/lib/web/form-result";
import { login, logout, resend } from "../_auth/shared";

/** Customer sign-in, step 1. */
export async function loginAction(input: unknown, next?: unknown): Promise<FormResult> {
  return login("customer", input, next);
}

export async function resendAction(): Promise<FormResult> {
  return resend();
}

export async function logoutAction(): Promise<void> {
  await logout("customer");
}
