import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { testApi } from "@/testing/api";

// The test-data API for end-to-end tests, load tests and the QA kit (testing/api.ts): POST/DELETE
// customers, POST customers/bulk, POST/DELETE staff, GET counts, POST reflect. One guard for all of
// it: 404 in production, without TEST_API_TOKEN or with another token, and in a production build,
// which does not contain the handlers at all (next.config.ts).
type Context = { params: Promise<{ path: string[] }> };

async function handle(req: NextRequest, { params }: Context): Promise<Response> {
  const e = env();
  const allowed = e.APP_ENV !== "production" && Boolean(e.TEST_API_TOKEN) && req.headers.get("x-test-token") === e.TEST_API_TOKEN;
  const handler = testApi && allowed ? testApi[`${req.method} ${(await params).path.join("/")}`] : undefined;
  return handler ? handler(req) : new NextResponse("Not Found", { status: 404 });
}

export { handle as GET, handle as POST, handle as DELETE };
