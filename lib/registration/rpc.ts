import { env } from "../env";
import { AppError } from "../errors";

/**
 * Kamailio's JSON-RPC (jsonrpcs over xhttp, deploy/kamailio/kamailio.cfg) at KAMAILIO_RPC_URL with
 * "Authorization: Bearer KAMAILIO_RPC_TOKEN". A registrar that does not answer, refuses the token or
 * answers an error becomes an AppError("REGISTRAR_UNAVAILABLE" | "REGISTRAR_REFUSED"), never a crash.
 */
export async function kamailioRpc<T = unknown>(method: string, params: unknown[], o: { url?: string; token?: string; timeoutMs?: number } = {}): Promise<T> {
  const url = o.url ?? env().KAMAILIO_RPC_URL;
  const token = o.token ?? env().KAMAILIO_RPC_TOKEN;
  if (!url || !token) throw new AppError("REGISTRAR_NOT_CONFIGURED");
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: "2.0", method, params, id: 1 }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 3_000),
    });
  } catch {
    throw new AppError("REGISTRAR_UNAVAILABLE");
  }
  if (res.status === 401 || res.status === 403) throw new AppError("REGISTRAR_REFUSED");
  const text = await res.text().catch(() => "");
  let body: { result?: T; error?: { code?: number; message?: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new AppError("REGISTRAR_UNAVAILABLE");
  }
  if (body.error) {
    // ul.rm of an AoR without bindings: "AOR not found" (404) — nothing to drop is not a failure.
    if (body.error.code === 404 || /not found/i.test(body.error.message ?? "")) return null as T;
    throw new AppError("REGISTRAR_REFUSED");
  }
  return body.result as T;
}

/** Drops every binding of a line (usrloc `ul.rm location <aor>`; with db_mode 1 the `location` rows too). */
export async function dropBindings(username: string, o?: { url?: string; token?: string }): Promise<void> {
  await kamailioRpc("ul.rm", ["location", username], o);
}
