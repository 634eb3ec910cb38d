#!/bin/sh
# Stand-in for Prisma's schema engine on machines that cannot download it (see STACK.md):
# `prisma generate` does not need the engine, migrations are applied by scripts/db-migrate.ts.
echo "prisma schema engine is not available on this machine" >&2
exit 1
