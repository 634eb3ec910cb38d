import { getTranslations } from "next-intl/server";
import { VerifyScreen } from "@/components/VerifyScreen";
import { usableChallenge } from "@/lib/web/challenge";
import { staffResendAction } from "../actions";

export async function generateMetadata() {
  return { title: (await getTranslations("verify"))("title") };
}

export default async function StaffVerifyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  return <VerifyScreen kind="staff" challenge={await usableChallenge("staff")} searchParams={searchParams} resend={staffResendAction} />;
}
