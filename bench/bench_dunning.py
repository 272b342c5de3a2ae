# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Time one full dunning evaluation on a fresh database, and OCA's credit control on the
same data.

``python3 bench/bench_dunning.py --invoices N --partners P [--db NAME] [--keep-db]
[--oca-addons-path DIR] [--profile FILE] [odoo db options]`` (see bench/README.md).
"""

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from datetime import timedelta

from benchlib import (
    FAST_CREATE,
    MODULE,
    PhaseMeter,
    add_size_arguments,
    create_posted,
    drop,
    environment,
    install,
    invoice_values,
    measure,
    prepare_company,
    setup_config,
)

from odoo import fields
from odoo.fields import Command

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OCA_MODULE = "account_credit_control"
DUE_WINDOW = (-150, 10)  # due dates from 150 days ago to 10 days ahead
PAYMENT_DELAY = 30  # invoice date = due date - 30 days
# OCA's levels equivalent to ours (name, level, delay in days from the due date). OCA
# only looks at lines already due (date_maturity <= run date): our pre-due courtesy
# level has no equivalent.
OCA_LEVELS = [
    ("First reminder", 1, 7),
    ("Second reminder", 2, 21),
    ("Final notice", 3, 45),
]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_size_arguments(parser, "dunning_bench")
    parser.add_argument(
        "--oca-addons-path",
        help="folder holding account_credit_control, to compare with OCA",
    )
    parser.add_argument(
        "--profile",
        help="write a cProfile of our evaluation to this file and print its top",
    )
    parser.add_argument("--seed", type=int, default=42)
    args, odoo_args = parser.parse_known_args(argv)
    args.db = args.db or f"dunning_bench_{args.invoices}_{os.getpid()}"
    if args.oca_addons_path:
        args.oca_addons_path = os.path.abspath(args.oca_addons_path)
        if not os.path.isdir(os.path.join(args.oca_addons_path, OCA_MODULE)):
            print(
                f"OCA: {OCA_MODULE} not found in {args.oca_addons_path}: "
                "comparison skipped",
                flush=True,
            )
            args.oca_addons_path = None
    return args, odoo_args


# ----------------------------------------------------------------------
# DATA
# ----------------------------------------------------------------------


def generate(env, company, invoices, partners, seed):
    """``partners`` customers and ``invoices`` posted one-line untaxed invoices, due
    from 150 days ago to 10 days ahead, created and posted by batches through the ORM
    (``benchlib.create_posted``).
    """
    rng = random.Random(seed)
    env = env(context=dict(env.context, **FAST_CREATE))
    partner_ids = (
        env["res.partner"]
        .create(
            [
                {
                    "name": f"Bench customer {index:05d}",
                    "email": f"customer{index}@bench.example.com",
                    "is_company": True,
                }
                for index in range(partners)
            ]
        )
        .ids
    )
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    receivable = (
        env["res.partner"].browse(partner_ids[0]).property_account_receivable_id
    )
    env.cr.commit()
    today = fields.Date.context_today(env["account.move"])
    dues = sorted(
        today + timedelta(days=rng.randint(*DUE_WINDOW)) for _index in range(invoices)
    )
    values = []
    for due in dues:
        amount = float(
            rng.randint(50, 5000)
        )  # drawn before the customer: same data as before benchlib
        values.append(
            invoice_values(
                journal,
                receivable,
                rng.choice(partner_ids),
                due - timedelta(days=PAYMENT_DELAY),
                due,
                amount,
            )
        )
    create_posted(env, values)


def last_id(env, model):
    env.cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {env[model]._table}")  # noqa: S608 - model table
    return env.cr.fetchone()[0]


def new_mails(env, since_id):
    """Counter of (model, state) of the emails created after ``since_id``."""
    env.cr.execute(
        "SELECT model, state, COUNT(*) FROM mail_mail m JOIN mail_message msg ON "
        "msg.id = m.mail_message_id"
        " WHERE m.id > %s GROUP BY model, state",
        [since_id],
    )
    return {(model, state): count for model, state, count in env.cr.fetchall()}


# ----------------------------------------------------------------------
# OUR EVALUATION
# ----------------------------------------------------------------------


def bench_ours(env, company, profile_path):
    """One full evaluation today: a manual run executed as the scheduler does, every
    batch committed."""
    today = fields.Date.context_today(env["dunning.run"])
    run = env["dunning.run"].create(
        {"date": today, "trigger": "manual", "company_ids": company.ids}
    )
    env.cr.commit()
    mail_id = last_id(env, "mail.mail")
    meter = PhaseMeter(
        env,
        [
            ("dunning.planner", "_plan"),
            ("dunning.planner", "_fetch_open_items"),
            ("dunning.planner", "_last_reminder_dates"),
            ("account.move", "_dunning_write_next_dates"),
            ("dunning.run", "_process_batch"),
            ("dunning.delivery", "_communication_values"),
            ("dunning.communication", "create"),
            ("dunning.delivery", "_deliver"),
            ("mail.template", "_dunning_queue"),
            ("dunning.communication", "_seal"),
            ("dunning.run", "_advance_moves"),
            ("account.move", "_dunning_write_run_fields"),
            ("account.move", "_dunning_log_communications"),
            ("account.move", "_dunning_refresh_states"),
        ],
    )
    profiler = cProfile.Profile() if profile_path else None
    result = {}
    try:
        with measure(env.cr, result):
            if profiler:
                profiler.enable()
            run._execute(commit=True)
            if profiler:
                profiler.disable()
    finally:
        meter.restore()
    batches = meter.stats["dunning.run._process_batch"]["calls"]
    print(
        f"OURS: {result['seconds']:.2f} s ({result['cpu_seconds']:.2f} s of this "
        f"process's CPU), {result['queries']} queries, peak memory {result['memory']}"
    )
    print(
        f"  run state {run.state}, {batches} batch(es), skipped "
        f"{dict(run.skip_counts or {})}"
    )
    if run.error_log:
        print(f"  errors: {run.error_log}")
    groups = env["dunning.communication"]._read_group(
        [("run_id", "=", run.id)], groupby=["level_id", "state"], aggregates=["__count"]
    )
    for level, state, count in sorted(groups, key=lambda group: group[0].sequence):
        print(f"  level {level.name!r}: {count} communication(s) {state}")
    lines = env["dunning.communication.line"].search_count(
        [("communication_id.run_id", "=", run.id)]
    )
    print(
        f"  {sum(group[2] for group in groups)} communications listing {lines} "
        "invoice lines"
    )
    print(f"  mail.mail created: {new_mails(env, mail_id)}")
    print("  phases (inclusive):")
    meter.report(result["seconds"])
    if profiler:
        profiler.dump_stats(profile_path)
        print(f"  cProfile written to {profile_path}; top 25 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return result


# ----------------------------------------------------------------------
# OCA'S CREDIT CONTROL
# ----------------------------------------------------------------------


def oca_policy(env, company):
    """A credit control policy like our default one, the company's default on its
    receivable accounts."""
    base_template = env.ref("account_credit_control.email_template_credit_control_base")
    # OCA's template attaches a PDF summary to every email (one wkhtmltopdf call each);
    # ours attaches nothing by default: compare like with like.
    template = base_template.copy(
        {
            "name": "Credit Control Email (bench)",
            "report_template_ids": [Command.clear()],
        }
    )
    accounts = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.id)]
    )
    policy = env["credit.control.policy"].create(
        {
            "name": "Bench policy",
            "company_id": company.id,
            "account_ids": [Command.set(accounts.ids)],
            "level_ids": [
                Command.create(
                    {
                        "name": name,
                        "level": level,
                        "computation_mode": "net_days",
                        "delay_days": delay,
                        "email_template_id": template.id,
                        "channel": "email",
                        "custom_text": f"{name}: please pay the invoices below.",
                        "custom_mail_text": f"<p>{name}: please pay the invoices "
                        "below.</p>",
                        "mail_show_invoice_detail": True,
                    }
                )
                for name, level, delay in OCA_LEVELS
            ],
        }
    )
    company.credit_policy_id = policy
    return policy


def bench_oca(env, company):
    """OCA's flow on the same invoices: generate the lines, mark them ready, run the
    email action."""
    policy = oca_policy(env, company)
    today = fields.Date.context_today(env["credit.control.run"])
    run = env["credit.control.run"].create(
        {
            "date": today,
            "policy_ids": [Command.set(policy.ids)],
            "company_id": company.id,
        }
    )
    env.cr.commit()
    mail_id = last_id(env, "mail.mail")
    # queue the emails as ours does (message_post sends fewer than 100 notifications at
    # once)
    run = run.with_context(mail_notify_force_send=False)
    phases = [
        ("generate_credit_lines", run.generate_credit_lines),
        ("set_to_ready_lines", run.set_to_ready_lines),
        ("run_channel_action", run.run_channel_action),
    ]
    result = {}
    with measure(env.cr, result):
        for name, method in phases:
            phase = {}
            with measure(env.cr, phase):
                method()
                env.cr.commit()
            print(f"  OCA {name}: {phase['seconds']:.2f} s, {phase['queries']} queries")
    print(
        f"OCA: {result['seconds']:.2f} s, {result['queries']} queries, peak "
        f"memory {result['memory']}"
    )
    lines = env["credit.control.line"]._read_group(
        [("run_id", "=", run.id)],
        groupby=["policy_level_id", "state"],
        aggregates=["__count"],
    )
    for level, state, count in sorted(lines, key=lambda group: group[0].level):
        print(f"  level {level.name!r}: {count} credit line(s) {state}")
    communications = env["credit.control.communication"]._read_group(
        [("credit_control_line_ids.run_id", "=", run.id)],
        groupby=["policy_level_id"],
        aggregates=["__count"],
    )
    for level, count in communications:
        print(f"  level {level.name!r}: {count} communication(s)")
    print(f"  mail.mail created: {new_mails(env, mail_id)}")
    return result


# ----------------------------------------------------------------------


def main(argv):
    args, odoo_args = parse_args(argv)
    addons_path = ",".join(filter(None, [TOP, args.oca_addons_path]))
    setup_config(odoo_args, addons_path, args.db)
    print(
        f"== {args.invoices} invoices, {args.partners} customers, database {args.db}",
        flush=True,
    )
    try:
        start = time.perf_counter()
        install(odoo_args, TOP, args.db, MODULE)
        print(
            f"database created, {MODULE} installed: "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )
        with environment(args.db) as env:
            company = prepare_company(env)
            env.cr.commit()
            start = time.perf_counter()
            generate(env, company, args.invoices, args.partners, args.seed)
            print(
                f"GENERATION: {time.perf_counter() - start:.1f} s for "
                f"{args.partners} customers, "
                f"{args.invoices} posted invoices",
                flush=True,
            )
            ours = bench_ours(env, company, args.profile)
        if not args.oca_addons_path:
            return
        install(odoo_args, addons_path, args.db, OCA_MODULE)
        with environment(args.db) as env:
            oca = bench_oca(env, env.ref("base.main_company"))
        print(
            f"RATIO OCA/ours: time {oca['seconds'] / ours['seconds']:.2f}x, "
            f"queries {oca['queries'] / max(ours['queries'], 1):.2f}x"
        )
    finally:
        drop(args.db, keep=args.keep_db)


if __name__ == "__main__":
    main(sys.argv[1:])
