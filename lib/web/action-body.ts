// A gate for POSTs to pages (server action calls), checked in the proxy before Next.js decodes
// them. Next.js answers any body React cannot decode (not JSON, a broken multipart body, a
// reference to a row the body does not carry) with a 500; a hand-made request deserves a 400.
//
// The portal's actions take plain values (strings, numbers, booleans, null, plain objects and
// arrays) and FormData, which React's client encodes as JSON with a few "$"-escapes:
//   "$$…" a string that starts with "$"      "$undefined" "$NaN" "$Infinity" "$-Infinity" "$-0"
//   "$D…" a Date   "$n…" a BigInt            "$K<hex>" a FormData argument (multipart bodies)
// Any other "$" form refers to another row of the body or to a server-side object (promises,
// maps, sets, server references, streams, typed arrays …), none of which these actions take: the
// request is refused rather than handed to a decoder that may fail on it.

const SELF_CONTAINED = /^\$(\$|undefined$|NaN$|Infinity$|-Infinity$|-0$|D|n-?\d{1,300}$|K[0-9a-f]{1,8}$)/;

function firstBadString(value: unknown, depth = 0): string | null {
  if (depth > 64) return "arguments nested too deeply";
  if (typeof value === "string") return value.startsWith("$") && !SELF_CONTAINED.test(value) ? `an unsupported reference ${JSON.stringify(value.slice(0, 24))}` : null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = firstBadString(v, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) {
      const bad = firstBadString(v, depth + 1);
      if (bad) return bad;
    }
  }
  return null;
}

/** Why the argument list (the body's root row) cannot be a server action call, or null. */
export function actionArgumentsProblem(root: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(root);
  } catch {
    return "the arguments are not JSON";
  }
  if (!Array.isArray(value)) return "the arguments are not a list";
  return firstBadString(value);
}

const isMultipart = (request: Request) => /^multipart\/form-data/i.test(request.headers.get("content-type") ?? "");

/** The body as multipart form data, or null when it cannot be parsed as such. */
async function multipartBody(request: Request): Promise<FormData | null> {
  try {
    return await request.formData();
  } catch {
    return null;
  }
}

const NOT_MULTIPART = "the body is not multipart form data";

/** Why a server action request (Next-Action header) cannot be decoded, or null. Reads a clone's body. */
export async function actionRequestProblem(request: Request): Promise<string | null> {
  if (!isMultipart(request)) return actionArgumentsProblem(await request.text());
  const form = await multipartBody(request);
  if (!form) return NOT_MULTIPART;
  const root = form.get("0");
  if (typeof root !== "string") return "no argument list";
  return actionArgumentsProblem(root);
}

/**
 * Why a POST to a page cannot be decoded, or null. A call from script carries a Next-Action header;
 * a form posted without JavaScript is multipart form data naming its action inside.
 */
export async function pagePostProblem(request: Request): Promise<string | null> {
  if (request.headers.has("next-action")) return actionRequestProblem(request);
  if (!isMultipart(request)) return null;
  return (await multipartBody(request)) ? null : NOT_MULTIPART;
}

/**
 * The largest body a POST to a page (a server action call or form post) may carry: Next.js's own
 * server-action limit, set to the same value in next.config.ts. Next.js answers a larger body with
 * a 500 (it logs a 413); the proxy answers 413 itself before Next.js reads it.
 */
export const PAGE_POST_BODY_LIMIT = 1024 * 1024;

/** True when the body is larger than `limit` bytes: by its Content-Length, else by reading (a clone of) it. */
export async function bodyExceeds(request: Request, limit = PAGE_POST_BODY_LIMIT): Promise<boolean> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared)) return Number(declared) > limit;
  if (!request.body) return false;
  const reader = request.body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      total += value.byteLength;
      if (total > limit) return true;
    }
  } catch {
    return false;
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}
