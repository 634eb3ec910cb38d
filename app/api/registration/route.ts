// The registration status of the signed-in customer's lines (or one change: ?change=<id>), for the
// status block's polling (components/RegistrationStatus.tsx). Never touches the session: an open
// page alone does not keep an idle session alive.
import { registrationSnapshot } from "@/lib/registration/text";
import { pageLocale } from "@/lib/web/locale";
import { requestContext } from "@/lib/web/request";
import { currentSession } from "@/lib/web/session";
import { database } from "@/lib/db";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const headers = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
  const session = await currentSession("customer", false);
  if (!session) return new Response(JSON.stringify({ error: "signedOut" }), { status: 401, headers });
  const { now } = await requestContext();
  const snapshot = await registrationSnapshot(database(), session.principal.id, now, await pageLocale(), new URL(request.url).searchParams.get("change"));
  return new Response(JSON.stringify(snapshot), { headers });
}
