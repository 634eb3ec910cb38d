import { getLocale, getTranslations } from "next-intl/server";
import { setLocaleAction } from "@/lib/web/locale-actions";
import { currentPath } from "@/lib/web/request";
import { LanguageSwitchButton } from "./LanguageSwitchButton";

/** 日本語 / English: a plain form, so it works without JavaScript too (then what was typed is not kept). */
export async function LanguageSwitch() {
  const locale = await getLocale();
  const t = await getTranslations("common");
  const other = locale === "en" ? "ja" : "en";
  return (
    <form action={setLocaleAction} className="lang-switch">
      <input type="hidden" name="locale" value={other} />
      <input type="hidden" name="returnTo" value={await currentPath()} />
      {/* Remounted in the new language, so that it puts back what was typed. */}
      <LanguageSwitchButton key={locale} label={other === "en" ? "English" : "日本語"} lang={other} ariaLabel={t("switchLanguage")} confirmText={t("switchLanguageConfirm")} />
    </form>
  );
}
