import "server-only";
import { getLocale } from "next-intl/server";
import type { Locale } from "../format";

/** The language this request is rendered in (the `locale` cookie; Japanese by default). */
export async function pageLocale(): Promise<Locale> {
  return (await getLocale()) === "en" ? "en" : "ja";
}
