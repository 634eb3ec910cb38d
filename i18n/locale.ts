export const LOCALES = ["ja", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_COOKIE = "locale";

/** The supported locale a cookie value names, Japanese otherwise. */
export function resolveLocale(value: string | undefined | null): Locale {
  return value === "en" ? "en" : "ja";
}
