import type { ReactNode } from "react";
import { staffLogoutAction } from "@/app/staff/login/actions";
import { SignedInHeader } from "@/components/SignedInHeader";
import { requireStaff } from "@/lib/web/session";

/** The staff console: the staff session guard (a redirect to /staff/login) and the signed-in header. */
export default async function StaffConsoleLayout({ children }: { children: ReactNode }) {
  const { principal } = await requireStaff();
  return (
    <>
      <SignedInHeader who={principal.loginId} logout={staffLogoutAction} audience="staff" />
      {children}
    </>
  );
}
