import { NextResponse, type NextRequest } from "next/server";
import { createTestCustomersBulk, testApiAllowed, testCustomerBulkSchema } from "@/lib/testing/fixtures";

// Many test customers at once (one line each), for load tests. 404 in production or without TEST_API_TOKEN.
export async function POST(req: NextRequest) {
  if (!testApiAllowed(req.headers.get("x-test-token"))) return new NextResponse("Not Found", { status: 404 });
  const parsed = testCustomerBulkSchema.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: parsed.error.issues }, { status: 400 });
  return NextResponse.json(await createTestCustomersBulk(parsed.data), { status: 201 });
}
