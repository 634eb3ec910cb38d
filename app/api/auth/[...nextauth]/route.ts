import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/next-auth";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// Options are built per request, never at build time (they read the session secret).
async function handler(req: NextRequest, ctx: Ctx) {
  return NextAuth(req, { params: await ctx.params }, authOptions());
}

export { handler as GET, handler as POST };
