"use server";

import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { LOCALE_COOKIE, resolveLocale } from "@/i18n/locale";
import { database } from "@/lib/db";
import { portalCookie } from "@/lib/web/cookie-options";
import { safeReturnPath } from "@/lib/web/request";
import { currentSession } from "@/lib/web/session";

/** Switches the language (remembered in a cookie); a signed-in customer's emails follow it too. */
export async function setLocaleAction(formData: FormData): Promise<void> {
  // The switch posts FormData; anything else (a hand-made call) changes nothing.
  if (!(formData instanceof FormData)) redirect("/");
  const locale = resolveLocale(String(formData.get("locale") ?? ""));
  (await cookies()).set(LOCALE_COOKIE, locale, portalCookie({ maxAge: 365 * 24 * 3600 }));
  const s = await currentSession("customer");
  if (s && s.principal.locale !== locale) await database().prisma.customer.update({ where: { id: s.principal.id }, data: { locale } });
  redirect(safeReturnPath(String(formData.get("returnTo") ?? "/"), "/"));
}
