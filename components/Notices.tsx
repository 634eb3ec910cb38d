import { getTranslations } from "next-intl/server";

/** 注意事項1 and 2, word for word from the manual (SPEC.md). */
export async function Notices() {
  const t = await getTranslations("notices");
  return (
    <>
      <div className="notice" role="note">
        <strong>{t("notice1Title")}</strong>
        {t("notice1")}
      </div>
      <div className="notice" role="note">
        <strong>{t("notice2Title")}</strong>
        {t("notice2")}
      </div>
    </>
  );
}
