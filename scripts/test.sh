#!/usr/bin/env bash
# Run the full test suite of the addons on throwaway databases and print
# "odoo: N passed, N failed, N skipped". Exit non-zero on any failure, error, skipped test, or no test.
# TAGS (an Odoo --test-tags spec, e.g. TAGS=/dunning_automation:TestPortal) runs only those tests,
# without the crash/concurrency harness.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/require_odoo.sh || exit 2
db_opts=$(scripts/pg.sh start) || exit 2
logdir="$top/.local/logs"
mkdir -p "$logdir"
log="$logdir/test.log"
db="dunning_test_$$"
harness_db="dunning_harness_$$"
queue_db="dunning_queue_test_$$"
: >"$log"

cleanup() {
    for name in "$db" "$harness_db" "$queue_db"; do
        scripts/python scripts/db.py drop $db_opts "$name" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT

# TAGS specs of each addon (TAGS=/dunning_automation_queue:TestDunningQueue runs only the bridge's)
core_tags=$(tr , '\n' <<<"${TAGS:-/dunning_automation,/dunning_automation_contract}" | grep -v dunning_automation_queue | paste -sd,)
queue_tags=$(tr , '\n' <<<"${TAGS:-/dunning_automation_queue}" | grep dunning_automation_queue | paste -sd,)
odoo_rc=0
if [ -n "$core_tags" ]; then
echo "Installing dunning_automation (with demo data) and running its tests on database $db; log: $log"
# shellcheck disable=SC2086
scripts/python -m odoo $db_opts --http-interface=127.0.0.1 -d "$db" --addons-path="$top" --with-demo \
    -i dunning_automation,payment_demo,dunning_automation_contract --test-enable --test-tags="$core_tags" \
    --http-port="${DUNNING_TEST_HTTP_PORT:-18069}" --workers=0 --max-cron-threads=0 \
    --log-level=info --log-handler=odoo.tests:INFO >>"$log" 2>&1
odoo_rc=$?
fi

# The bridge to OCA queue_job, on a database of its own (with it installed, the runs go through
# the job queue, which the core tests do not expect).
if [ -n "$queue_tags" ]; then
    echo "Installing dunning_automation_queue (OCA queue_job) and running its tests on database $queue_db"
    # shellcheck disable=SC2086
    scripts/python -m odoo $db_opts --http-interface=127.0.0.1 -d "$queue_db" --addons-path="$top" \
        --with-demo -i dunning_automation_queue --test-enable \
        --test-tags="$queue_tags" \
        --http-port="${DUNNING_TEST_HTTP_PORT:-18069}" --workers=0 --max-cron-threads=0 \
        --log-level=info --log-handler=odoo.tests:INFO >>"$log" 2>&1 || odoo_rc=$?
fi

harness_rc=0
if [ -z "${TAGS:-}" ]; then
    echo "Running the crash and concurrency harness on database $harness_db"
    # shellcheck disable=SC2086
    scripts/python -m tests_harness $db_opts --addons-path="$top" -d "$harness_db" >>"$log" 2>&1
    harness_rc=$?
fi

scripts/python scripts/test_summary.py "$log" --odoo-rc "$odoo_rc" --harness-rc "$harness_rc"
