// Liveness for a load balancer: answers "ok" without touching the database. Being the cheapest
// route the server has (through the same proxy and headers as every page), it is also the HTTP
// benchmark's baseline (docs/benchmarks.md).
export const dynamic = "force-dynamic";

export function GET(): Response {
  return new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8" } });
}
