import { NextResponse, type NextRequest } from "next/server";
import { createTestStaff, deleteTestStaff, testApiAllowed, testLoginIdParam, testStaffSchema } from "@/lib/testing/fixtures";

// Test staff members for end-to-end tests and the QA kit. 404 in production or without TEST_API_TOKEN.
export async function POST(req: NextRequest) {
  if (!testApiAllowed(req.headers.get("x-test-token"))) return new NextResponse("Not Found", { status: 404 });
  const parsed = testStaffSchema.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: parsed.error.issues }, { status: 400 });
  return NextResponse.json(await createTestStaff(parsed.data), { status: 201 });
}

export async function DELETE(req: NextRequest) {
  if (!testApiAllowed(req.headers.get("x-test-token"))) return new NextResponse("Not Found", { status: 404 });
  const id = testLoginIdParam(req.nextUrl.searchParams.get("loginId"));
  if (!id) return NextResponse.json({ error: "loginId required (1-64 characters, no control characters)" }, { status: 400 });
  return NextResponse.json({ deleted: await deleteTestStaff(id) });
}
