import { getTranslations } from "next-intl/server";
import { VerifyScreen } from "@/components/VerifyScreen";
import { staffResendAction } from "../actions";

export async function generateMetadata() {
  return { title: (await getTranslations("verify"))("title") };
}

export default function StaffVerifyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  return <VerifyScreen kind="staff" searchParams={searchParams} resend={staffResendAction} />;
}
