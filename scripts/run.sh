#!/usr/bin/env bash
# make run: a database with demo data (two companies, customers, invoices at every dunning stage)
# served on http://localhost:PORT.   usage: scripts/run.sh DB PORT
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
db=${1:-dunning}
port=${2:-8069}
scripts/require_odoo.sh
db_opts=$(scripts/pg.sh start)
# shellcheck disable=SC2086
if ! scripts/python scripts/db.py exists $db_opts "$db"; then
    echo "Creating database '$db' with demo data and installing dunning_automation (a few minutes)..."
    scripts/python -m odoo $db_opts --http-interface=127.0.0.1 -d "$db" --addons-path="$top" --with-demo -i dunning_automation,payment_demo \
        --stop-after-init --log-level=warn
fi
echo
echo "Odoo is starting on http://localhost:$port  (login: admin, password: admin)"
echo "Dunning: Accounting > Customers > Dunning; policies: Accounting > Configuration > Dunning Policies."
echo
# shellcheck disable=SC2086
exec scripts/python -m odoo $db_opts --http-interface=127.0.0.1 -d "$db" --addons-path="$top" --db-filter="^$db\$" --http-port="$port"
