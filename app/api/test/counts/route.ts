import { NextResponse, type NextRequest } from "next/server";
import { testApiAllowed, testTableCounts } from "@/lib/testing/fixtures";

// Row counts (by status, kind and type) and content digests of every table, for load and bad-input
// tests. 404 in production or without TEST_API_TOKEN.
export async function GET(req: NextRequest) {
  if (!testApiAllowed(req.headers.get("x-test-token"))) return new NextResponse("Not Found", { status: 404 });
  return NextResponse.json(await testTableCounts());
}
