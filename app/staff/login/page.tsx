import { getTranslations } from "next-intl/server";
import { ClientMessages } from "@/components/ClientMessages";
import { LoginForm } from "@/components/LoginForm";
import { SiteHeader } from "@/components/SiteHeader";
import { AUDIENCES } from "@/lib/web/audience";
import { safeReturnPath } from "@/lib/web/request";
import { staffLoginAction } from "./actions";

export async function generateMetadata() {
  return { title: (await getTranslations("staff"))("loginTitle") };
}

/** Staff sign-in: separate from customers', with the same two-step code, sessions and lockout. */
export default async function StaffLoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const t = await getTranslations();
  const sp = await searchParams;
  const next = safeReturnPath(sp.next, AUDIENCES.staff.home);
  return (
    <>
      <SiteHeader audience="staff" />
      <main id="main">
        <h1>{t("staff.loginTitle")}</h1>
        {sp.loggedOut ? (
          <p className="success" role="status">
            {t("login.loggedOut")}
          </p>
        ) : null}
        <section className="panel">
          <p>{t("staff.loginLead")}</p>
          <ClientMessages>
            <LoginForm next={next} action={staffLoginAction} audience="staff" />
          </ClientMessages>
        </section>
      </main>
    </>
  );
}
