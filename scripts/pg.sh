#!/usr/bin/env bash
# A private PostgreSQL cluster inside the checkout (.local/pg), started without root and without
# a system service. Prints the connection options for Odoo on stdout.
#
#   scripts/pg.sh start   create the cluster if missing, start it, print Odoo's db options
#   scripts/pg.sh stop    stop it
#
# When PGHOST (or PGPORT/PGUSER) is set, that server is used instead and nothing is started.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
port="${DUNNING_PG_PORT:-54329}"
owner="${DUNNING_PG_OWNER:-postgres}"
checkout_hash=$(printf '%s' "$top" | md5sum | cut -c1-8)
dbuser=odoo

if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}" ]; then
    opts=""
    [ -n "${PGHOST:-}" ] && opts="$opts --db_host=$PGHOST"
    [ -n "${PGPORT:-}" ] && opts="$opts --db_port=$PGPORT"
    [ -n "${PGUSER:-}" ] && opts="$opts --db_user=$PGUSER"
    [ -n "${PGPASSWORD:-}" ] && opts="$opts --db_password=$PGPASSWORD"
    echo "$opts"
    exit 0
fi

bindir=$(pg_config --bindir 2>/dev/null || true)
for candidate in "$bindir" /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/initdb" ]; then bindir=$candidate; break; fi
done
if [ ! -x "$bindir/initdb" ]; then
    echo "error: PostgreSQL server binaries (initdb, pg_ctl) not found; install them or set PGHOST." >&2
    exit 2
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to an unprivileged account.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

# The cluster lives in the checkout; only when the owner account cannot reach the checkout
# (as root, a checkout under a private folder) does it go to a folder of its own in /tmp.
pgroot="$top/.local/pg"
if [ "$(id -u)" = 0 ] && [ ! -f "$pgroot/data/PG_VERSION" ]; then
    mkdir -p "$pgroot"
    chown "$owner" "$pgroot"
    if ! as_owner test -w "$pgroot"; then
        pgroot="/tmp/dunning-pg-$checkout_hash"
        echo "note: account $owner cannot reach $top: the PostgreSQL cluster goes to $pgroot" >&2
    fi
fi
data="$pgroot/data"
sock="$pgroot/run"
# Unix socket paths are limited to 107 bytes: a deep checkout gets a short socket folder in /tmp.
if [ ${#sock} -gt 80 ]; then
    sock="/tmp/dunning-pg-$checkout_hash-run"
fi

case "${1:-start}" in
start)
    mkdir -p "$pgroot" "$sock"
    if [ "$(id -u)" = 0 ]; then
        chown "$owner" "$pgroot" "$sock"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$data" -U "$dbuser" --auth=trust -E UTF8 --locale=C >"$pgroot/initdb.log" 2>&1 \
            || { cat "$pgroot/initdb.log" >&2; exit 1; }
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$data" -l "$pgroot/server.log" -w -t 60 \
            -o "-k $sock -p $port -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=100" \
            start >/dev/null || { tail -20 "$pgroot/server.log" >&2; exit 1; }
    fi
    echo "--db_host=$sock --db_port=$port --db_user=$dbuser"
    ;;
stop)
    if [ -f "$data/PG_VERSION" ]; then as_owner "$bindir/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true; fi
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
