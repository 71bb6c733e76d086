#!/usr/bin/env bash
# The full reliability and security run of issue 8 (README "Reliability and
# security"): the fuzzing with ~100,000 generated cases, the kill -9 test with
# thousands of writes on SQLite and PostgreSQL, the outage, security and
# concurrency suites, then the 10-minute soak. Takes about half an hour.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_RUNS="${FUZZ_RUNS:-15000}"
FAULT_WRITES="${FAULT_WRITES:-3000}"
FAULT_KILLS="${FAULT_KILLS:-12}"
SEVERAL_PATCHES="${SEVERAL_PATCHES:-5000}"
export FUZZ_REPORT=1 FAULT_REPORT=1 SEVERAL_REPORT=1

npm run build
echo "== fuzzing: ${FUZZ_RUNS} cases per property (7 properties on SQLite, the request fuzz again on PostgreSQL)"
FUZZ_RUNS="$FUZZ_RUNS" npx jest test/fuzz-
FUZZ_RUNS="$FUZZ_RUNS" E2E_DATABASE=postgres npx jest test/fuzz-scim-requests

echo "== kill -9 under load: ${FAULT_WRITES} writes, ${FAULT_KILLS} kills, SQLite then PostgreSQL"
for database in sqlite postgres; do
  FAULT_WRITES="$FAULT_WRITES" FAULT_KILLS="$FAULT_KILLS" E2E_DATABASE="$database" npx jest test/faults
done

echo "== several api instances on one database: ${SEVERAL_PATCHES} PATCHes, the projecting one killed half-way, SQLite then PostgreSQL"
for database in sqlite postgres; do
  SEVERAL_PATCHES="$SEVERAL_PATCHES" E2E_DATABASE="$database" npx jest test/several-api-instances
done

echo "== security, concurrency and database outage on SQLite and PostgreSQL"
for database in sqlite postgres; do
  E2E_DATABASE="$database" npx jest test/security test/concurrent-patches test/database-outage test/hostile-input
done

echo "== soak: 10 minutes"
npm run soak -- --no-build
