#!/usr/bin/env bash
# make chaos: the fault harness in full (tests_harness --full) on a throwaway database of its own,
# with real commits: SIGKILLs at random points, 200 injected exceptions, 4 cron threads + 2 manual
# runs at once for 50 rounds, the mail server down, a partner merge mid-run. Prints the checks and
# the table of figures; exits non-zero on any failed check. Log: .local/logs/chaos.log
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/require_odoo.sh || exit 2
db_opts=$(scripts/pg.sh start) || exit 2
mkdir -p .local/logs
log=.local/logs/chaos.log
db="dunning_chaos_$$"
trap 'scripts/python scripts/db.py drop $db_opts "$db" >/dev/null 2>&1 || true' EXIT
# shellcheck disable=SC2086
scripts/python -m tests_harness --full $db_opts --addons-path="$top" -d "$db" >"$log" 2>&1
rc=$?
grep "^harness" "$log"
exit "$rc"
