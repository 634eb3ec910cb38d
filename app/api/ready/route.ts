// Readiness for a load balancer / orchestrator: 200 only when this process has finished its start
// (migrations, key check, background loops), its database answers and every migration is applied;
// otherwise 503 with the reason as JSON. GET /api/health stays the liveness check (no database).
import { database } from "@/lib/db";
import { readiness } from "@/lib/readiness";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const r = await readiness(database);
  return Response.json(r, { status: r.ready ? 200 : 503, headers: { "cache-control": "no-store" } });
}
