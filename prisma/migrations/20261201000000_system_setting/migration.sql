-- Settings the processes agree on through the database (mirror of model SystemSetting in
-- prisma/schema.prisma). First use: the fingerprint of CREDENTIAL_KEY (lib/credential-key.ts).
CREATE TABLE "SystemSetting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SystemSetting_pkey" PRIMARY KEY ("key")
);
