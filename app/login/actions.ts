"use server";

import { login, logout, resend, type ActionResult } from "../_auth/shared";

export type { ActionResult };

/** Customer sign-in, step 1. */
export async function loginAction(input: unknown, next?: unknown): Promise<ActionResult> {
  // Anything may arrive over HTTP: a non-object gets the form's own field errors, a non-string `next` the default.
  const values = input !== null && typeof input === "object" && !Array.isArray(input) ? input : {};
  return login("customer", values, typeof next === "string" ? next : undefined, { verify: "/login/verify", home: "/menu" });
}

export async function resendAction(): Promise<ActionResult> {
  return resend();
}

export async function logoutAction(): Promise<void> {
  await logout("customer", "/login");
}
