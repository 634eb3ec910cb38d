import { getTranslations } from "next-intl/server";
import { SignedInHeader } from "@/components/SignedInHeader";
import { requireCustomer } from "@/lib/web/session";
import { logoutAction } from "../login/actions";

export async function generateMetadata() {
  return { title: (await getTranslations("menu"))("title") };
}

export default async function MenuPage() {
  const { principal } = await requireCustomer();
  const t = await getTranslations("menu");
  return (
    <>
      <SignedInHeader who={principal.loginId} logout={logoutAction} />
      <main id="main">
        <h1>{t("title")}</h1>
      </main>
    </>
  );
}
