import { NextResponse, type NextRequest } from "next/server";
import { createTestCustomer, deleteTestCustomer, testApiAllowed, testLoginIdParam, testCustomerSchema } from "@/lib/testing/fixtures";

// Test data for end-to-end tests and the QA kit. 404 in production or without TEST_API_TOKEN.
export async function POST(req: NextRequest) {
  if (!testApiAllowed(req.headers.get("x-test-token"))) return new NextResponse("Not Found", { status: 404 });
  const parsed = testCustomerSchema.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: parsed.error.issues }, { status: 400 });
  return NextResponse.json(await createTestCustomer(parsed.data), { status: 201 });
}

export async function DELETE(req: NextRequest) {
  if (!testApiAllowed(req.headers.get("x-test-token"))) return new NextResponse("Not Found", { status: 404 });
  const id = testLoginIdParam(req.nextUrl.searchParams.get("selfcareId"));
  if (!id) return NextResponse.json({ error: "selfcareId required (1-64 characters, no control characters)" }, { status: 400 });
  return NextResponse.json({ deleted: await deleteTestCustomer(id) });
}
