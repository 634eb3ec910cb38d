import type { ReactNode } from "react";
import { logoutAction } from "@/app/login/actions";
import { SignedInHeader } from "@/components/SignedInHeader";
import { requireCustomer } from "@/lib/web/session";

/**
 * Every signed-in customer page: the session guard (a redirect to /login with a return path) and the
 * header with the logout control. Pages that need the customer call requireCustomer() again; the
 * session is read once per request (lib/web/session.ts).
 */
export default async function CustomerLayout({ children }: { children: ReactNode }) {
  const { principal } = await requireCustomer();
  return (
    <>
      <SignedInHeader who={principal.loginId} logout={logoutAction} />
      {children}
    </>
  );
}
