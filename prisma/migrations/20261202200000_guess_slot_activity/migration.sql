-- A line's guess slots (lib/lines/change-password.ts) are judged lost by their own age: the time a
-- slot was last taken or given back, by the database's clock. A guess waiting behind slow
-- verifications no longer turns into a block after 10 s of waiting.
ALTER TABLE "Line" ADD COLUMN IF NOT EXISTS "guessSlotsAt" TIMESTAMPTZ(3);
