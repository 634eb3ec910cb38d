import { getTranslations } from "next-intl/server";
import { ClientMessages } from "@/components/ClientMessages";
import { LoginForm } from "@/components/LoginForm";
import { SiteHeader } from "@/components/SiteHeader";
import { AUDIENCES } from "@/lib/web/audience";
import { safeReturnPath } from "@/lib/web/request";
import { loginAction } from "./actions";

export async function generateMetadata() {
  return { title: (await getTranslations("login"))("title") };
}

/** セルフケアログイン, worded as the provider's manual. */
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const t = await getTranslations();
  const sp = await searchParams;
  const next = safeReturnPath(sp.next, AUDIENCES.customer.home);
  const notice = sp.loggedOut ? t("login.loggedOut") : sp.reason === "ended" ? t("login.sessionEnded") : sp.next ? t("login.loginRequired") : null;
  return (
    <>
      <SiteHeader />
      <main id="main">
        <p className="small">
          {t("common.forCustomers")}
          {t("common.sep")}
          {t("common.serviceName")}
          {t("common.sep")}
          {t("common.product")}
        </p>
        <h1>{t("login.title")}</h1>
        {notice ? (
          <p className={sp.loggedOut ? "success" : "info"} role="status">
            {notice}
          </p>
        ) : null}
        <section className="panel">
          <p>{t("login.intro1")}</p>
          <p>{t("login.intro2")}</p>
          <p>{t("login.intro3")}</p>
          <p className="small">{t("login.intro4")}</p>
          <ClientMessages>
            <LoginForm next={next} action={loginAction} />
          </ClientMessages>
          <p className="small">{t("login.footnote")}</p>
        </section>
      </main>
    </>
  );
}
