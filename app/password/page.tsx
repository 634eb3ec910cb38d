import { randomUUID } from "node:crypto";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { Breadcrumbs } from "@/components/Breadcrumbs";
import { Notices } from "@/components/Notices";
import { ClientMessages } from "@/components/ClientMessages";
import { PasswordChangeForm } from "@/components/PasswordChangeForm";
import { SignedInHeader } from "@/components/SignedInHeader";
import { serviceLabel } from "@/lib/lines/labels";
import { listOwnLines } from "@/lib/lines/queries";
import { requireCustomer } from "@/lib/web/session";
import { logoutAction } from "../login/actions";

export async function generateMetadata() {
  return { title: (await getTranslations("password"))("title") };
}

/** IP加入電話パスワード変更 (input screen). Each rendering carries a fresh idempotency key. */
export default async function PasswordChangePage() {
  const { principal } = await requireCustomer();
  const t = await getTranslations("password");
  const lines = await listOwnLines(principal.id);
  const locale = await pageLocale();
  return (
    <>
      <SignedInHeader who={principal.loginId} logout={logoutAction} />
      <main id="main">
        <Breadcrumbs trail={["menu", "password"]} />
        <h1>{t("title")}</h1>
        <section className="panel">
          <p>{t("lead1")}</p>
          <p>{t("lead2")}</p>
          <ClientMessages>
            <PasswordChangeForm
              idempotencyKey={randomUUID()}
              lines={lines.map((l) => ({ number: l.number, serviceLabel: serviceLabel(l.service, locale) }))}
              notices={<Notices />}
            />
          </ClientMessages>
        </section>
      </main>
    </>
  );
}
