import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Breadcrumbs } from "@/components/Breadcrumbs";
import { requireCustomer } from "@/lib/web/session";
import { RegistrationStatusBlock } from "@/components/RegistrationStatusBlock";
import { requestContext } from "@/lib/web/request";
import { database } from "@/lib/db";

export async function generateMetadata() {
  return { title: (await getTranslations("menu"))("title") };
}

/** The menu after sign-in: ◆各種サービス設定・変更 > ◆IP加入電話パスワード変更 > 入力画面 ▶. */
export default async function MenuPage() {
  const { principal } = await requireCustomer();
  const t = await getTranslations("menu");
  const { now } = await requestContext();
  return (
    <>
      <main id="main">
        <Breadcrumbs trail={["menu"]} />
        <h1>{t("title")}</h1>
        <section className="panel">
          <RegistrationStatusBlock database={database()} customerId={principal.id} now={now} />
        </section>
        <section className="panel">
          <h2>{t("services")}</h2>
          <ul className="menu-list">
            <li>
              <h3>{t("passwordChange")}</h3>
              <p>{t("passwordChangeLead")}</p>
              <Link href="/password" className="btn btn-primary">
                {t("input")}
              </Link>
            </li>
            <li>
              <h3>{t("history")}</h3>
              <p>{t("historyLead")}</p>
              <Link href="/history" className="btn btn-secondary">
                {t("historyLink")}
              </Link>
            </li>
            <li>
              <h3>{t("guide")}</h3>
              <Link href="/guide" className="btn btn-secondary">
                {t("guideLink")}
              </Link>
            </li>
          </ul>
        </section>
      </main>
    </>
  );
}
