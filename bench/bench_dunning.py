# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Time one full dunning evaluation on a fresh database, and OCA's credit control on the same data.

``python3 bench/bench_dunning.py --invoices N --partners P [--db NAME] [--keep-db]
[--oca-addons-path DIR] [--profile FILE] [odoo db options]`` (see bench/README.md).
"""

import argparse
import cProfile
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

import odoo.init  # noqa: F401  (Odoo 19: set up the namespace before using the ORM)
from odoo import SUPERUSER_ID, api, fields
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.service import db as db_service
from odoo.tools import config

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = "dunning_automation"
OCA_MODULE = "account_credit_control"
GENERATION_BATCH = 500
DUE_WINDOW = (-150, 10)  # due dates from 150 days ago to 10 days ahead
PAYMENT_DELAY = 30  # invoice date = due date - 30 days
# Context of the data generation: no chatter noise, as an import would do, and no re-synchronisation
# of the invoices' dynamic lines: ``generate`` writes the lines the invoice form would compute.
FAST_CREATE = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True, "skip_invoice_sync": True}
# OCA's levels equivalent to ours (name, level, delay in days from the due date). OCA only looks
# at lines already due (date_maturity <= run date): our pre-due courtesy level has no equivalent.
OCA_LEVELS = [("First reminder", 1, 7), ("Second reminder", 2, 21), ("Final notice", 3, 45)]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, required=True, help="number of posted customer invoices")
    parser.add_argument("--partners", type=int, required=True, help="number of customers")
    parser.add_argument("--db", help="database to create (default: dunning_bench_<invoices>_<pid>)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--oca-addons-path", help="folder holding account_credit_control, to compare with OCA")
    parser.add_argument("--profile", help="write a cProfile of our evaluation to this file and print its top")
    parser.add_argument("--seed", type=int, default=42)
    args, odoo_args = parser.parse_known_args(argv)
    args.db = args.db or f"dunning_bench_{args.invoices}_{os.getpid()}"
    if args.oca_addons_path:
        args.oca_addons_path = os.path.abspath(args.oca_addons_path)
        if not os.path.isdir(os.path.join(args.oca_addons_path, OCA_MODULE)):
            print(f"OCA: {OCA_MODULE} not found in {args.oca_addons_path}: comparison skipped", flush=True)
            args.oca_addons_path = None
    return args, odoo_args


# ----------------------------------------------------------------------
# MEASURES
# ----------------------------------------------------------------------


def reset_peak_rss():
    """Reset the kernel's peak RSS (VmHWM) of this process; False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def rss_kib(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


@contextmanager
def measure(cr, result):
    """Fill ``result`` with the block's wall time, queries on ``cr`` and peak memory.

    Memory is the peak resident set size during the block (VmHWM, reset at its start) minus the
    resident size at its start; without /proc/self/clear_refs, the growth of ru_maxrss instead.
    """
    resettable = reset_peak_rss()
    rss_start = rss_kib("VmRSS")
    maxrss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queries, start = cr.sql_log_count, time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - start
    result["queries"] = cr.sql_log_count - queries
    if resettable:
        result["memory"] = f"{(rss_kib('VmHWM') - rss_start) / 1024:.0f} MiB over start RSS {rss_start / 1024:.0f} MiB (VmHWM)"
    else:
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_start
        result["memory"] = f"{growth / 1024:.0f} MiB growth of ru_maxrss"


class PhaseMeter:
    """Wrap methods of registry model classes to add up their time and queries (inclusive)."""

    def __init__(self, env, targets):
        self.env = env
        self.stats = {}
        self.patched = []
        for model, method in targets:
            cls = type(env[model])
            self.patched.append((cls, method, cls.__dict__.get(method)))
            setattr(cls, method, self._wrap(f"{model}.{method}", getattr(cls, method)))

    def _wrap(self, label, function):
        stats = self.stats.setdefault(label, {"calls": 0, "seconds": 0.0, "queries": 0})
        cr = self.env.cr

        def wrapper(*args, **kwargs):
            queries, start = cr.sql_log_count, time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                stats["calls"] += 1
                stats["seconds"] += time.perf_counter() - start
                stats["queries"] += cr.sql_log_count - queries

        return wrapper

    def restore(self):
        for cls, method, original in self.patched:
            if original is None:
                delattr(cls, method)
            else:
                setattr(cls, method, original)

    def report(self, total_seconds):
        for label, stats in self.stats.items():
            if stats["calls"]:
                share = 100 * stats["seconds"] / total_seconds if total_seconds else 0
                print(f"    {label:<50} calls {stats['calls']:>5}  {stats['seconds']:8.2f} s ({share:4.1f} %)"
                      f"  queries {stats['queries']:>7}")


# ----------------------------------------------------------------------
# DATABASE AND DATA
# ----------------------------------------------------------------------


def odoo_command(odoo_args, addons_path, db, *extra):
    return [sys.executable, "-m", "odoo", *odoo_args, f"--addons-path={addons_path}", "-d", db,
            "--stop-after-init", "--no-http", "--log-level=warn", *extra]


def install(odoo_args, addons_path, db, module):
    """Install ``module`` (creating the database when missing, without demo data) in a subprocess."""
    subprocess.run(odoo_command(odoo_args, addons_path, db, "-i", module), check=True)


def prepare_company(env):
    """The main company, with a chart of accounts and an email address."""
    company = env.ref("base.main_company")
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    company.email = "billing@bench.example.com"
    return company


def generate(env, company, invoices, partners, seed):
    """``partners`` customers and ``invoices`` posted one-line untaxed invoices, due from 150 days ago
    to 10 days ahead, created and posted by batches through the ORM.

    The invoices get the product and receivable (payment term) lines the invoice form would compute,
    so that Odoo's dynamic line synchronisation, half of the creation time, can be skipped.
    """
    rng = random.Random(seed)
    env = env(context=dict(env.context, **FAST_CREATE))
    partner_ids = env["res.partner"].create([
        {"name": f"Bench customer {index:05d}", "email": f"customer{index}@bench.example.com", "is_company": True}
        for index in range(partners)
    ]).ids
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    receivable = env["res.partner"].browse(partner_ids[0]).property_account_receivable_id
    env.cr.commit()
    today = fields.Date.context_today(env["account.move"])
    dues = sorted(today + timedelta(days=rng.randint(*DUE_WINDOW)) for _index in range(invoices))
    values = []
    for due in dues:
        amount = float(rng.randint(50, 5000))
        values.append({
            "move_type": "out_invoice",
            "journal_id": journal.id,
            "partner_id": rng.choice(partner_ids),
            "invoice_date": due - timedelta(days=PAYMENT_DELAY),
            "date": due - timedelta(days=PAYMENT_DELAY),
            "invoice_date_due": due,
            "invoice_payment_term_id": False,
            "line_ids": [
                Command.create({"display_type": "product", "name": "Consulting", "account_id": journal.default_account_id.id,
                                "quantity": 1, "price_unit": amount, "balance": -amount, "tax_ids": []}),
                Command.create({"display_type": "payment_term", "name": "", "account_id": receivable.id,
                                "balance": amount, "date_maturity": due}),
            ],
        })
    start = time.perf_counter()
    for offset in range(0, invoices, GENERATION_BATCH):
        env["account.move"].create(values[offset:offset + GENERATION_BATCH]).action_post()
        env.cr.commit()
        done = min(offset + GENERATION_BATCH, invoices)
        if done % (GENERATION_BATCH * 10) == 0 or done == invoices:
            print(f"  {done} invoices posted ({time.perf_counter() - start:.0f} s)", flush=True)


def last_id(env, model):
    env.cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {env[model]._table}")  # noqa: S608 - model table
    return env.cr.fetchone()[0]


def new_mails(env, since_id):
    """Counter of (model, state) of the emails created after ``since_id``."""
    env.cr.execute("SELECT model, state, COUNT(*) FROM mail_mail m JOIN mail_message msg ON msg.id = m.mail_message_id"
                   " WHERE m.id > %s GROUP BY model, state", [since_id])
    return {(model, state): count for model, state, count in env.cr.fetchall()}


# ----------------------------------------------------------------------
# OUR EVALUATION
# ----------------------------------------------------------------------


def bench_ours(env, company, profile_path):
    """One full evaluation today: a manual run executed as the scheduler does, every batch committed."""
    today = fields.Date.context_today(env["dunning.run"])
    run = env["dunning.run"].create({"date": today, "trigger": "manual", "company_ids": company.ids})
    env.cr.commit()
    mail_id = last_id(env, "mail.mail")
    meter = PhaseMeter(env, [
        ("dunning.run", "_plan"),
        ("dunning.run", "_fetch_open_items"),
        ("dunning.run", "_last_reminder_dates"),
        ("account.move", "_dunning_write_next_dates"),
        ("dunning.run", "_process_batch"),
        ("dunning.run", "_communication_values"),
        ("dunning.communication", "create"),
        ("dunning.run", "_deliver"),
        ("mail.template", "_dunning_queue"),
        ("dunning.communication", "_seal"),
        ("dunning.run", "_advance_moves"),
        ("account.move", "_dunning_log_communications"),
        ("account.move", "_dunning_refresh_states"),
    ])
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
    print(f"OURS: {result['seconds']:.2f} s, {result['queries']} queries, peak memory {result['memory']}")
    print(f"  run state {run.state}, {batches} batch(es), skipped {dict(run.skip_counts or {})}")
    if run.error_log:
        print(f"  errors: {run.error_log}")
    groups = env["dunning.communication"]._read_group(
        [("run_id", "=", run.id)], groupby=["level_id", "state"], aggregates=["__count"]
    )
    for level, state, count in sorted(groups, key=lambda group: group[0].sequence):
        print(f"  level {level.name!r}: {count} communication(s) {state}")
    lines = env["dunning.communication.line"].search_count([("communication_id.run_id", "=", run.id)])
    print(f"  {sum(group[2] for group in groups)} communications listing {lines} invoice lines")
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
    """A credit control policy like our default one, the company's default on its receivable accounts."""
    base_template = env.ref("account_credit_control.email_template_credit_control_base")
    # OCA's template attaches a PDF summary to every email (one wkhtmltopdf call each); ours attaches
    # nothing by default: compare like with like.
    template = base_template.copy({"name": "Credit Control Email (bench)", "report_template_ids": [Command.clear()]})
    accounts = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.id)]
    )
    policy = env["credit.control.policy"].create({
        "name": "Bench policy",
        "company_id": company.id,
        "account_ids": [Command.set(accounts.ids)],
        "level_ids": [
            Command.create({
                "name": name,
                "level": level,
                "computation_mode": "net_days",
                "delay_days": delay,
                "email_template_id": template.id,
                "channel": "email",
                "custom_text": f"{name}: please pay the invoices below.",
                "custom_mail_text": f"<p>{name}: please pay the invoices below.</p>",
                "mail_show_invoice_detail": True,
            })
            for name, level, delay in OCA_LEVELS
        ],
    })
    company.credit_policy_id = policy
    return policy


def bench_oca(env, company):
    """OCA's flow on the same invoices: generate the lines, mark them ready, run the email action."""
    policy = oca_policy(env, company)
    today = fields.Date.context_today(env["credit.control.run"])
    run = env["credit.control.run"].create(
        {"date": today, "policy_ids": [Command.set(policy.ids)], "company_id": company.id}
    )
    env.cr.commit()
    mail_id = last_id(env, "mail.mail")
    # queue the emails as ours does (message_post sends fewer than 100 notifications at once)
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
    print(f"OCA: {result['seconds']:.2f} s, {result['queries']} queries, peak memory {result['memory']}")
    lines = env["credit.control.line"]._read_group(
        [("run_id", "=", run.id)], groupby=["policy_level_id", "state"], aggregates=["__count"]
    )
    for level, state, count in sorted(lines, key=lambda group: group[0].level):
        print(f"  level {level.name!r}: {count} credit line(s) {state}")
    communications = env["credit.control.communication"]._read_group(
        [("credit_control_line_ids.run_id", "=", run.id)], groupby=["policy_level_id"], aggregates=["__count"]
    )
    for level, count in communications:
        print(f"  level {level.name!r}: {count} communication(s)")
    print(f"  mail.mail created: {new_mails(env, mail_id)}")
    return result


# ----------------------------------------------------------------------


def main(argv):
    args, odoo_args = parse_args(argv)
    addons_path = ",".join(filter(None, [TOP, args.oca_addons_path]))
    config.parse_config([*odoo_args, f"--addons-path={addons_path}", "--log-level=warn"], setup_logging=True)
    if args.db in db_service.list_dbs(force=True):
        sys.exit(f"error: database {args.db} already exists; the benchmark needs a fresh one (--db NAME)")
    print(f"== {args.invoices} invoices, {args.partners} customers, database {args.db}", flush=True)
    try:
        start = time.perf_counter()
        install(odoo_args, TOP, args.db, MODULE)
        print(f"database created, {MODULE} installed: {time.perf_counter() - start:.0f} s", flush=True)
        with Registry(args.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = prepare_company(env)
            cr.commit()
            start = time.perf_counter()
            generate(env, company, args.invoices, args.partners, args.seed)
            print(f"GENERATION: {time.perf_counter() - start:.1f} s for {args.partners} customers, "
                  f"{args.invoices} posted invoices", flush=True)
            ours = bench_ours(env, company, args.profile)
        if not args.oca_addons_path:
            return
        install(odoo_args, addons_path, args.db, OCA_MODULE)
        Registry.delete(args.db)
        with Registry(args.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            oca = bench_oca(env, env.ref("base.main_company"))
        print(f"RATIO OCA/ours: time {oca['seconds'] / ours['seconds']:.2f}x, "
              f"queries {oca['queries'] / max(ours['queries'], 1):.2f}x")
    finally:
        Registry.delete(args.db)
        if not args.keep_db and args.db in db_service.list_dbs(force=True):
            db_service.exp_drop(args.db)
            print(f"database {args.db} dropped")


if __name__ == "__main__":
    main(sys.argv[1:])
