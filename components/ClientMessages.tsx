import { NextIntlClientProvider } from "next-intl";
import { getMessages } from "next-intl/server";

const CLIENT_NAMESPACES = ["errors", "login", "verify", "password", "staff"] as const;

/**
 * Gives the client components inside it (the forms) their messages — only the namespaces they
 * translate. Only pages with a client form render it, so the other pages load none of next-intl's
 * client runtime and message formatter (12 kB gzip, docs/benchmarks.md).
 */
export async function ClientMessages({ children }: { children: React.ReactNode }) {
  const messages = await getMessages();
  const clientMessages = Object.fromEntries(CLIENT_NAMESPACES.map((ns) => [ns, messages[ns]]));
  return <NextIntlClientProvider messages={clientMessages}>{children}</NextIntlClientProvider>;
}
