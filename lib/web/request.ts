import "server-only";
import { cookies, headers } from "next/headers";
import type { ClientInfo } from "../audit";
import { isProduction } from "../env";
import { nowFor, SIM_CLOCK_COOKIE } from "../sim-clock";

/**
 * What domain calls need from a request: the time (the browser's simulated clock outside
 * production, else the server's) and who is asking (address and user agent, for the audit trail).
 */
export async function requestContext(): Promise<{ now: Date; simulated: boolean; client: ClientInfo }> {
  const [c, h] = await Promise.all([cookies(), headers()]);
  const { now, simulated } = nowFor(c.get(SIM_CLOCK_COOKIE)?.value, !isProduction());
  // Next.js appends the socket's address to X-Forwarded-For; the last entry is the one to trust.
  const forwarded = h.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean);
  return { now, simulated, client: { ip: forwarded?.at(-1) ?? null, userAgent: h.get("user-agent") } };
}

/** The path (and query) of the page being rendered, as the proxy recorded it. */
export async function currentPath(): Promise<string> {
  return (await headers()).get("x-pathname") ?? "/";
}

export { safeReturnPath } from "./return-path";
