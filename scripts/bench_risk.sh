#!/usr/bin/env bash
# Time the late-payment risk retrain in Odoo, stage by stage, on fresh databases of realistic payment
# history (see bench/README.md). Databases are dropped at the end unless BENCH_KEEP_DB=1.
#
#   BENCH_RISK_SIZES="10000:500 100000:5000"   invoices:customers, one database each (the default)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/require_odoo.sh
db_opts=$(scripts/pg.sh start)
sizes="${BENCH_RISK_SIZES:-10000:500 100000:5000}"

keep_args=()
[ "${BENCH_KEEP_DB:-0}" = 1 ] && keep_args=(--keep-db)

for size in $sizes; do
    invoices=${size%%:*}
    partners=${size##*:}
    # shellcheck disable=SC2086
    scripts/python bench/bench_risk_db.py --invoices "$invoices" --partners "$partners" \
        --db "dunning_risk_bench_${invoices}_$$" "${keep_args[@]}" $db_opts
done
