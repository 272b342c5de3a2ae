#!/usr/bin/env bash
# Time one full dunning evaluation on fresh databases of growing size, and OCA's account_credit_control
# on the same data when its 19.0 wheel can be had (see bench/README.md). Databases are dropped at the
# end unless BENCH_KEEP_DB=1.
#
#   BENCH_SIZES="10000:1000 50000:5000"   invoices:customers, one database each (the default)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/require_odoo.sh
db_opts=$(scripts/pg.sh start)
sizes="${BENCH_SIZES:-10000:1000 50000:5000}"
oca="$top/.local/oca"
oca_addons="$oca/odoo/addons"

if [ ! -d "$oca_addons/account_credit_control" ]; then
    echo "Fetching OCA's account_credit_control 19.0 wheel into $oca"
    mkdir -p "$oca/dl"
    if scripts/python -m pip download --quiet --disable-pip-version-check --no-deps --dest "$oca/dl" \
        "odoo-addon-account_credit_control==19.0.*" \
        && scripts/python -m zipfile -e "$(ls -t "$oca"/dl/odoo_addon_account_credit_control-19.0*.whl | head -1)" "$oca"; then
        :
    else
        echo "warning: OCA's account_credit_control could not be had: benchmarking dunning_automation alone." >&2
    fi
fi
oca_args=()
[ -d "$oca_addons/account_credit_control" ] && oca_args=(--oca-addons-path "$oca_addons")

keep_args=()
[ "${BENCH_KEEP_DB:-0}" = 1 ] && keep_args=(--keep-db)

for size in $sizes; do
    invoices=${size%%:*}
    partners=${size##*:}
    # shellcheck disable=SC2086
    scripts/python bench/bench_dunning.py --invoices "$invoices" --partners "$partners" --db "dunning_bench_${invoices}_$$" \
        "${oca_args[@]}" "${keep_args[@]}" $db_opts
done
