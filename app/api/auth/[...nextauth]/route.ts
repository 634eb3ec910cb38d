import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/next-auth";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// Options are built per request, never at build time (they read the session secret).
async function handler(req: NextRequest, ctx: Ctx) {
  const params = await ctx.params;
  // The only provider takes credentials, which next-auth accepts by POST alone: a GET of its
  // callback would otherwise throw ("Callback for provider type credentials not supported", a 500).
  if (req.method === "GET" && params.nextauth[0] === "callback") {
    return new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
  }
  return NextAuth(req, { params }, authOptions());
}

export { handler as GET, handler as POST };
