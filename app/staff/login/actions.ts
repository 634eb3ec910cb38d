"use server";

import { login, logout, resend, type ActionResult } from "../../_auth/shared";

/** Staff sign-in, step 1: the same two-step code, sessions and lockout as customers. */
export async function staffLoginAction(input: unknown, next?: unknown): Promise<ActionResult> {
  // Anything may arrive over HTTP: a non-object gets the form's own field errors, a non-string `next` the default.
  const values = input !== null && typeof input === "object" && !Array.isArray(input) ? input : {};
  return login("staff", values, typeof next === "string" ? next : undefined, { verify: "/staff/login/verify", home: "/staff" });
}

export async function staffResendAction(): Promise<ActionResult> {
  return resend();
}

export async function staffLogoutAction(): Promise<void> {
  await logout("staff", "/staff/login");
}
