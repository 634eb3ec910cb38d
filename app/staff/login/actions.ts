"use server";

import { login, logout, resend, type ActionResult } from "../../_auth/shared";

/** Staff sign-in, step 1: the same two-step code, sessions and lockout as customers. */
export async function staffLoginAction(input: unknown, next?: unknown): Promise<ActionResult> {
  return login("staff", input, next);
}

export async function staffResendAction(): Promise<ActionResult> {
  return resend();
}

export async function staffLogoutAction(): Promise<void> {
  await logout("staff");
}
