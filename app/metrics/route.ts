// Prometheus metrics of this web server, and the shared state read from the database (lib/metrics.ts).
// With METRICS_TOKEN: Authorization: Bearer <token>; without it, loopback only, and never in production.
import { database } from "@/lib/db";
import { metricsAccess, renderMetrics } from "@/lib/metrics";
import { bootPhase } from "@/lib/readiness";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  // The socket's address (scripts/serve.ts), or the one a trusted proxy appended: the last entry.
  const ip = request.headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean).at(-1) ?? null;
  const access = metricsAccess(request.headers.get("authorization"), ip);
  if (!access.ok) {
    return new Response(`${access.reason}\n`, {
      status: access.status,
      headers: { "content-type": "text/plain; charset=utf-8", ...(access.status === 401 ? { "www-authenticate": 'Bearer realm="metrics"' } : {}) },
    });
  }
  const { contentType, body } = await renderMetrics(bootPhase() === "ready" ? database() : null);
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
}
