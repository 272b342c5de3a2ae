# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Time the customer's account statement page (server side) for a customer with many
open invoices.

``python3 bench/bench_portal.py [--invoices 1000] [--rounds 20] [--db NAME] [--keep-db]
[odoo db options]``

Creates a database with dunning_automation, one customer with ``--invoices`` posted open
invoices, then serves its statement through a signed link to an anonymous visitor, in
this process through Odoo's WSGI application (no network): the time is Odoo's whole
request handling (routing, session, access check, reads, QWeb rendering). Prints the
best and median of ``--rounds`` requests after a warm-up, and the queries per request.
"""

import argparse
import os
import statistics
import sys
import time
from urllib.parse import urlencode

from bench_dunning import generate
from benchlib import MODULE, drop, environment, install, prepare_company, setup_config
from werkzeug.test import Client

from odoo import fields, http, sql_db
from odoo.tools import config

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--invoices", type=int, default=1000, help="open invoices of the customer"
    )
    parser.add_argument("--rounds", type=int, default=20, help="timed requests")
    parser.add_argument(
        "--db", help="database to create (default: dunning_bench_portal_<invoices>)"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="do not drop the database at the end"
    )
    args, odoo_args = parser.parse_known_args(argv)
    args.db = args.db or f"dunning_bench_portal_{args.invoices}"
    return args, odoo_args


def statement_url(db, invoices):
    """Create the customer and its invoices; the signed link of its statement."""
    with environment(db) as env:
        company = prepare_company(env)
        env.cr.commit()
        generate(env, company, invoices, 1, seed=7)
        partner = env["res.partner"].search(
            [("name", "like", "Bench customer")], limit=1
        )
        query = partner._dunning_statement_query(
            company, fields.Date.context_today(partner)
        )
        env.cr.commit()
    return f"/my/dunning/statement?{urlencode(query)}"


def timed_get(client, url):
    """(seconds, queries, response) of one request."""
    queries = sql_db.sql_counter
    start = time.perf_counter()
    response = client.get(url)
    return time.perf_counter() - start, sql_db.sql_counter - queries, response


def main(argv):
    args, odoo_args = parse_args(argv)
    setup_config(odoo_args, TOP, args.db)
    config["dbfilter"] = f"^{args.db}$"  # the WSGI application serves this database
    try:
        install(odoo_args, TOP, args.db, MODULE)
        url = statement_url(args.db, args.invoices)
        client = Client(http.root)
        _seconds, _queries, response = timed_get(
            client, url
        )  # warm-up: assets, caches, access tokens
        if (
            response.status_code != 200
            or response.get_data(as_text=True).count('name="move_ids"') != args.invoices
        ):
            sys.exit(
                f"error: the statement did not list the {args.invoices} invoices "
                f"(HTTP {response.status_code})"
            )
        timings, queries = [], set()
        for _round in range(args.rounds):
            seconds, count, response = timed_get(client, url)
            timings.append(seconds)
            queries.add(count)
        print(
            f"Statement of {args.invoices} open invoices, {args.rounds} requests: "
            f"best {min(timings) * 1000:.0f} ms, "
            f"median {statistics.median(timings) * 1000:.0f} ms, "
            f"worst {max(timings) * 1000:.0f} ms, "
            f"{'/'.join(map(str, sorted(queries)))} queries per request, "
            f"{len(response.get_data()) // 1024} KiB"
        )
    finally:
        drop(args.db, args.keep_db)


if __name__ == "__main__":
    main(sys.argv[1:])
