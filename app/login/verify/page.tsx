import { getTranslations } from "next-intl/server";
import { VerifyScreen } from "@/components/VerifyScreen";
import { usableChallenge } from "@/lib/web/challenge";
import { resendAction } from "../actions";

export async function generateMetadata() {
  return { title: (await getTranslations("verify"))("title") };
}

/** Two-step verification: the code sent to the address registered at contract time. */
export default async function VerifyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  return <VerifyScreen kind="customer" challenge={await usableChallenge("customer")} searchParams={searchParams} resend={resendAction} />;
}
