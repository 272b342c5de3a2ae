# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Time every dashboard query on a million receivable lines and 100,000 communications.

``python3 bench/bench_analytics.py [--lines 1000000] [--communications 100000]
[--db NAME] [--keep-db] [odoo db options]`` (see bench/README.md).

Creates a database with dunning_automation, a seed of 200 invoices through the ORM and
one dunning run (the templates of every row), then multiplies the rows in SQL: the
receivable lines (40 % of them reconciled, with their partial reconciliations), and the
communications with one line each. Prints each query's best time of three, and the
plan (EXPLAIN ANALYZE) of the slowest. The target is 2 s per query.
"""

import argparse
import os
import sys
import time
from datetime import timedelta

from bench_dunning import generate
from benchlib import MODULE, drop, environment, install, prepare_company, setup_config

from odoo import Command, fields
from odoo.tools import SQL

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_SECONDS = 2.0
ROUNDS = 3


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--communications", type=int, default=100_000)
    parser.add_argument("--db", help="database to create")
    parser.add_argument("--keep-db", action="store_true")
    args, odoo_args = parser.parse_known_args(argv)
    args.db = args.db or f"dunning_bench_analytics_{os.getpid()}"
    return args, odoo_args


def clone(cr, table, template_id, count, overrides):
    """Insert ``count`` copies of row ``template_id`` of ``table`` (``g`` = 1..count,
    ``t`` = the template), with ``overrides`` = {column: SQL expression}; return the
    first new id."""
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id'",
            table,
        )
    )
    columns = [name for (name,) in cr.fetchall()]
    cr.execute(
        SQL(
            "WITH new AS (INSERT INTO %s (%s) SELECT %s FROM %s t, "
            "generate_series(1, %s) g WHERE t.id = %s ORDER BY g RETURNING id) "
            "SELECT MIN(id), MAX(id) FROM new",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL(", ").join(
                overrides.get(column, SQL("t.%s", SQL.identifier(column)))
                for column in columns
            ),
            SQL.identifier(table),
            count,
            template_id,
        )
    )
    first, last = cr.fetchone()
    # the ids follow g when nothing else inserts meanwhile (a fresh database)
    assert last - first + 1 == count, (table, first, last, count)
    return first


def multiply(env, company, lines, communications):
    """The receivable lines, partial reconciliations and communications, in SQL."""
    cr = env.cr
    today = fields.Date.context_today(env["account.move"])
    # one payment: the template of the partial reconciliations and their credit line
    paid = env["account.move"].search(
        [("company_id", "=", company.id), ("move_type", "=", "out_invoice")], limit=1
    )
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=paid.ids
    ).create({})._create_payments()
    env.flush_all()
    receivable = env["account.move.line"].search(
        [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("balance", ">", 0),
            ("parent_state", "=", "posted"),
        ],
        limit=1,
    )
    partners = env["res.partner"].search([("name", "like", "Bench customer")]).ids
    moves = (
        env["account.move"]
        .search([("company_id", "=", company.id), ("move_type", "=", "out_invoice")])
        .ids
    )
    days = SQL("((g::bigint * 7919) %% 540)::int")  # issued up to 18 months ago
    first_line = clone(
        cr,
        "account_move_line",
        receivable.id,
        lines,
        {
            "move_id": SQL("(%s::int[])[1 + g %% %s]", moves, len(moves)),
            "partner_id": SQL("(%s::int[])[1 + g %% %s]", partners, len(partners)),
            "date": SQL("%s::date - %s", today, days),
            "invoice_date": SQL("%s::date - %s", today, days),
            "date_maturity": SQL("%s::date - %s + 30", today, days),
            "balance": SQL("50 + (g %% 5000)"),
            "debit": SQL("50 + (g %% 5000)"),
            "amount_currency": SQL("50 + (g %% 5000)"),
            "amount_residual": SQL(
                "CASE WHEN g %% 5 < 2 THEN 0 ELSE 50 + (g %% 5000) END"
            ),
            "amount_residual_currency": SQL(
                "CASE WHEN g %% 5 < 2 THEN 0 ELSE 50 + (g %% 5000) END"
            ),
            "reconciled": SQL("g %% 5 < 2"),
        },
    )
    print(f"  {lines} receivable lines", flush=True)
    credit = env["account.move.line"].search(
        [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("balance", "<", 0),
        ],
        limit=1,
    )
    partial = env["account.partial.reconcile"].search([], limit=1)
    clone(
        cr,
        "account_partial_reconcile",
        partial.id,
        lines * 2 // 5 - 2,
        {
            # the reconciled lines: g = 5, 6, 10, 11, ... (g % 5 < 2) of the clone
            "debit_move_id": SQL(
                "%s - 1 + 5 * ((g - 1) / 2 + 1) + (g - 1) %% 2", first_line
            ),
            "credit_move_id": SQL("%s", credit.id),
            "amount": SQL("100"),
            "debit_amount_currency": SQL("100"),
            "credit_amount_currency": SQL("100"),
            "max_date": SQL("%s::date - ((g * 31) %% 500)", today),
        },
    )
    print(f"  {lines * 2 // 5} partial reconciliations", flush=True)
    communication = env["dunning.communication"].search([], limit=1) or env[
        "dunning.communication"
    ].sudo().create(
        {
            "company_id": company.id,
            "partner_id": receivable.partner_id.id,
            "level_id": company.dunning_policy_id.level_ids[1].id,
            "channel": "email",
            "dunning_date": today,
            "idempotency_key": "bench-template",
            "state": "sent",
            "line_ids": [
                Command.create(
                    {
                        "move_id": receivable.move_id.id,
                        "move_line_id": receivable.id,
                        "amount_residual_company": receivable.balance,
                        "amount_residual": receivable.balance,
                        "currency_id": receivable.currency_id.id,
                    }
                )
            ],
        }
    )
    env.flush_all()
    first_comm = clone(
        cr,
        "dunning_communication",
        communication.id,
        communications,
        {
            "idempotency_key": SQL("'bench-' || g"),
            "reminder_key": SQL("'bench-' || g"),
            "chain_index": SQL("NULL"),
            "state": SQL("(ARRAY['sent', 'sent', 'bounced', 'held_out'])[1 + g %% 4]"),
            "arm": SQL("CASE WHEN g %% 4 = 3 THEN 'holdout' ELSE 'treatment' END"),
            "partner_id": SQL("(%s::int[])[1 + g %% %s]", partners, len(partners)),
            "dunning_date": SQL("%s::date - ((g * 13) %% 365)", today),
        },
    )
    clone(
        cr,
        "dunning_communication_line",
        communication.line_ids[:1].id,
        communications,
        {
            "communication_id": SQL("%s - 1 + g", first_comm),
            "move_line_id": SQL("%s + (g * 10) %% %s", first_line, lines),
        },
    )
    print(f"  {communications} communications with their lines", flush=True)
    cr.execute(SQL("ANALYZE"))
    cr.commit()


def queries(env):
    """The dashboard's queries, each a callable."""
    company = env.company
    today = fields.Date.context_today(env["account.move"])
    Kpi = env["dunning.report.kpi"]
    Aging = env["dunning.report.aging"].with_context(dunning_report_date=today)
    Effectiveness = env["dunning.report.effectiveness"]
    year_ago = today - timedelta(days=365)
    return {
        "aging by bucket": lambda: Aging._read_group(
            [], groupby=["aging_bucket"], aggregates=["residual:sum"]
        ),
        "aging by customer (pivot)": lambda: Aging._read_group(
            [], groupby=["partner_id"], aggregates=["residual:sum"], limit=80
        ),
        "aging list, one bucket": lambda: Aging.search_fetch(
            [("aging_bucket", "=", "31_60")], ["move_id", "residual"], limit=80
        ),
        "KPIs over 12 months": lambda: Kpi._kpis(
            company, fields.Date.start_of(year_ago, "month"), today
        ),
        "effectiveness by level": lambda: Effectiveness._read_group(
            [], groupby=["level_id"], aggregates=["__count", "paid_14:avg"]
        ),
        "effectiveness by arm": lambda: Effectiveness._read_group(
            [], groupby=["arm"], aggregates=["paid_14:avg", "recovered_14:sum"]
        ),
        "cash-in forecast": lambda: Kpi._cash_forecast(company, today),
        "whole dashboard (12 months)": lambda: Kpi.get_dashboard("12m"),
    }


def explain(env, label):
    """The plan of a query run by ``label``'s callable: the last SQL it sent."""
    sent = []
    execute = type(env.cr).execute

    def capture(cr, query, params=None, log_exceptions=True):
        sent.append((query, params))
        return execute(cr, query, params, log_exceptions)

    type(env.cr).execute = capture
    try:
        queries(env)[label]()
    finally:
        type(env.cr).execute = execute
    query, params = max(sent, key=lambda item: len(str(item[0])))
    env.cr.execute(
        SQL("EXPLAIN (ANALYZE, BUFFERS) %s", SQL(str(query), *(params or ())))
    )
    return "\n".join(row[0] for row in env.cr.fetchall())


def main(argv):
    args, odoo_args = parse_args(argv)
    setup_config(odoo_args, TOP, args.db)
    try:
        install(odoo_args, TOP, args.db, MODULE)
        with environment(args.db) as env:
            company = prepare_company(env)
            env.cr.commit()
            generate(env, company, 200, 50, 42)
            env["dunning.run"].create(
                {
                    "date": fields.Date.context_today(env["dunning.run"]),
                    "trigger": "manual",
                }
            )._execute(commit=False)
            env.cr.commit()
            start = time.perf_counter()
            multiply(env, company, args.lines, args.communications)
            print(f"GENERATION: {time.perf_counter() - start:.0f} s", flush=True)
            env.invalidate_all()
            timings = {}
            for label, query in queries(env).items():
                best = None
                for _round in range(ROUNDS):
                    env.invalidate_all()
                    start = time.perf_counter()
                    query()
                    elapsed = time.perf_counter() - start
                    best = elapsed if best is None else min(best, elapsed)
                timings[label] = best
                mark = "ok" if best < TARGET_SECONDS else "SLOW"
                print(f"{label:32} {best:7.3f} s  {mark}", flush=True)
            slowest = max(timings, key=timings.get)
            print(f"\nPLAN of the slowest ({slowest}):\n{explain(env, slowest)}")
    finally:
        drop(args.db, keep=args.keep_db)


if __name__ == "__main__":
    main(sys.argv[1:])
