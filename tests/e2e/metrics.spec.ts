import { expect, test } from "./fixtures";

// GET /metrics on the suite's portal (APP_ENV=test, no METRICS_TOKEN): open on loopback, in the
// Prometheus text format, with the HTTP duration by route pattern and the embedded worker's heartbeat.
test("/metrics is open on loopback and reports requests by route and the worker's heartbeat", async ({ request, baseURL }) => {
  await request.get("/login");
  await request.get("/staff/customers/00000000-0000-0000-0000-000000000000");
  // the portal's TRUST_PROXY=true takes the last X-Forwarded-For entry as the client: here, loopback
  const res = await fetch(`${baseURL}/metrics`, { headers: { "x-forwarded-for": "127.0.0.1" } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  const text = await res.text();
  expect(text).toMatch(/^selfcare_http_request_duration_seconds_count\{.*route="\/login".*\} [1-9]/m);
  expect(text).toMatch(/^selfcare_http_request_duration_seconds_count\{.*route="\/staff\/customers\/\[id\]".*\} [1-9]/m);
  expect(text).not.toContain("00000000-0000-0000-0000-000000000000");
  expect(text).toMatch(/^selfcare_worker_heartbeat_age_seconds\{.*kind="web".*\} \d/m);
  expect(text).toMatch(/^selfcare_changes\{status="PENDING",service="IP_PHONE".*\} \d+/m);
});

test("/metrics refuses a client that is not on loopback when no METRICS_TOKEN is set", async ({ baseURL }) => {
  const res = await fetch(`${baseURL}/metrics`, { headers: { "x-forwarded-for": "192.0.2.10" } });
  expect(res.status).toBe(403);
  expect(await res.text()).toContain("METRICS_TOKEN");
});
