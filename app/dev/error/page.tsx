import { notFound } from "next/navigation";
import { isProduction } from "@/lib/env";

export const metadata = { title: "Error", robots: { index: false } };

/** Outside production: a page that always fails, to see (and test) the error page. */
export default async function DevErrorPage() {
  if (isProduction()) notFound();
  throw new Error("a deliberate error (/dev/error)");
}
