import { getLocale, getTranslations } from "next-intl/server";
import { setLocaleAction } from "@/lib/web/locale-actions";
import { currentPath } from "@/lib/web/request";

/** 日本語 / English: a plain form, so it works without JavaScript too. */
export async function LanguageSwitch() {
  const locale = await getLocale();
  const t = await getTranslations("common");
  const other = locale === "en" ? "ja" : "en";
  return (
    <form action={setLocaleAction} className="lang-switch">
      <input type="hidden" name="locale" value={other} />
      <input type="hidden" name="returnTo" value={await currentPath()} />
      <button type="submit" className="btn-link" lang={other} aria-label={t("switchLanguage")} data-data>
        {other === "en" ? "English" : "日本語"}
      </button>
    </form>
  );
}
