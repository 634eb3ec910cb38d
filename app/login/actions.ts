"use server";

import { login, logout, resend, type ActionResult } from "../_auth/shared";

export type { ActionResult };

/** Customer sign-in, step 1. */
export async function loginAction(input: unknown, next?: unknown): Promise<ActionResult> {
  return login("customer", input, next);
}

export async function resendAction(): Promise<ActionResult> {
  return resend();
}

export async function logoutAction(): Promise<void> {
  await logout("customer");
}
