# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Time the risk model's retrain in Odoo, stage by stage, on a database of realistic
payment history.

``python3 bench/bench_risk_db.py --invoices N --partners P [--db NAME] [--keep-db]
[--reuse-db] [--seed S] [--profile FILE] [odoo db options]`` (see bench/README.md).

Builds a fresh database with P customers and N posted customer invoices issued over the
last two years, mostly paid (on time or late, some in two instalments, some in a second
currency), some settled or cancelled by credit notes, the recent ones still open; then
runs what the weekly cron and the retrain buttons run,
``dunning.risk.scoring._score_company``, twice (first scoring, then a rescoring as the
next week's cron would) and times its stages.
"""

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import date, timedelta

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
from odoo.tools import SQL

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HISTORY_DAYS = 730
SECOND_CURRENCY = "EUR"
COUNTRIES = ("BE", "FR", "DE", "IT", "NL", "US")
# Payment behaviour: (kind, share of customers, chance an invoice is paid late, mean
# days late when late, chance a late invoice is never paid).
BEHAVIOURS = (
    ("reliable", 0.55, 0.08, 4.0, 0.0),
    ("slow", 0.28, 0.45, 12.0, 0.0),
    ("chronic late", 0.12, 0.85, 35.0, 0.02),
    ("defaulter", 0.05, 0.95, 70.0, 0.3),
)
TERMS = (15, 30, 30, 30, 45, 60)
SECOND_CURRENCY_SHARE = 0.15  # customers invoiced in the second currency
CONTACT_SHARE = 0.05  # invoices addressed to a contact of the customer
FULL_CREDIT_NOTE = 0.02  # invoices cancelled by a credit note
PARTIAL_CREDIT_NOTE = 0.02  # invoices reduced by a credit note, the rest paid
PARTIAL_PAYMENT = 0.06  # invoices paid in two instalments
PAYMENT_BATCH_DAYS = 20  # payment entries (one a day) created per ORM batch
RECONCILE_BATCH = 500  # invoices reconciled per _reconcile_plan call


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_size_arguments(parser, "dunning_risk_bench")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="score an existing database kept by --keep-db again (after updating the "
        "module)",
    )
    parser.add_argument(
        "--profile",
        help="write a cProfile of the first scoring to this file and print its top",
    )
    parser.add_argument("--seed", type=int, default=42)
    args, odoo_args = parser.parse_known_args(argv)
    args.db = args.db or f"dunning_risk_bench_{args.invoices}_{os.getpid()}"
    return args, odoo_args


# ----------------------------------------------------------------------
# DATA
# ----------------------------------------------------------------------


class History:
    """The planned history: customers, invoices and what settles them, before anything
    is created."""

    def __init__(self, rng, today, invoices, partners):
        self.rng = rng
        self.today = today
        self.start = today - timedelta(days=HISTORY_DAYS)
        self.customers = [self._customer(index) for index in range(partners)]
        weights = [customer["activity"] for customer in self.customers]
        chosen = rng.choices(range(partners), weights=weights, k=invoices)
        self.invoices = sorted(
            (self._invoice(self.customers[index]) for index in chosen),
            key=lambda invoice: invoice["invoice_date"],
        )

    def _customer(self, index):
        rng = self.rng
        kind = rng.choices(
            BEHAVIOURS, weights=[behaviour[1] for behaviour in BEHAVIOURS]
        )[0]
        late_joiner = rng.random() < 0.3
        return {
            "index": index,
            "kind": kind,
            "term": rng.choice(TERMS),
            "size": rng.lognormvariate(7.0, 1.0),
            "activity": rng.paretovariate(1.5),
            "foreign": rng.random() < SECOND_CURRENCY_SHARE,
            "country": rng.choice(COUNTRIES),
            "first_day": rng.randint(0, int(HISTORY_DAYS * 0.85))
            if late_joiner
            else rng.randint(0, 60),
        }

    def _invoice(self, customer):
        """An invoice of ``customer`` and its settlements: [(kind, date, amount)], in
        its currency."""
        rng = self.rng
        _kind, _share, late_chance, late_days, never_chance = customer["kind"]
        invoice_date = self.start + timedelta(
            days=rng.randint(customer["first_day"], HISTORY_DAYS - 1)
        )
        due = invoice_date + timedelta(days=customer["term"])
        amount = round(customer["size"] * rng.lognormvariate(0, 0.4), 2)
        invoice = {
            "customer": customer,
            "invoice_date": invoice_date,
            "due": due,
            "amount": amount,
            "contact": rng.random() < CONTACT_SHARE,
            "settlements": [],
        }
        draw = rng.random()
        if draw < FULL_CREDIT_NOTE:
            invoice["settlements"].append(
                (
                    "credit_note",
                    invoice_date + timedelta(days=rng.randint(3, 20)),
                    amount,
                )
            )
        else:
            if rng.random() < late_chance:
                if rng.random() < never_chance:
                    return invoice
                delay = 1 + round(rng.gammavariate(1.5, late_days / 1.5))
            else:
                delay = -rng.randint(0, customer["term"] // 2)
            paid = max(due + timedelta(days=delay), invoice_date + timedelta(days=1))
            if draw < FULL_CREDIT_NOTE + PARTIAL_CREDIT_NOTE:
                part = round(amount * rng.uniform(0.1, 0.3), 2)
                invoice["settlements"].append(
                    ("credit_note", invoice_date + timedelta(days=10), part)
                )
                invoice["settlements"].append(
                    ("payment", paid, round(amount - part, 2))
                )
            elif draw < FULL_CREDIT_NOTE + PARTIAL_CREDIT_NOTE + PARTIAL_PAYMENT:
                part = round(amount * rng.uniform(0.3, 0.7), 2)
                first = invoice_date + (paid - invoice_date) / 2
                invoice["settlements"].append(("payment", first, part))
                invoice["settlements"].append(
                    ("payment", paid, round(amount - part, 2))
                )
            else:
                invoice["settlements"].append(("payment", paid, amount))
        # what has not happened yet is left for later: the recent invoices are still
        # (partly) open
        invoice["settlements"] = [
            settlement
            for settlement in invoice["settlements"]
            if settlement[1] < self.today
        ]
        return invoice

    def planned_paid_date(self, invoice):
        """When the invoice is fully settled by payments and credit notes before today,
        else None."""
        settlements = invoice["settlements"]
        if (
            round(sum(amount for _kind, _date, amount in settlements), 2)
            < invoice["amount"]
        ):
            return None
        return max(settlement_date for _kind, settlement_date, _amount in settlements)


def second_currency_rates(env, company, history):
    """Activate the second currency with a monthly rate (random walk):
    {(year, month): rate}."""
    currency = (
        env["res.currency"]
        .with_context(active_test=False)
        .search([("name", "=", SECOND_CURRENCY)])
    )
    currency.active = True
    rates, rate = {}, 0.92
    month = history.start.replace(day=1)
    while month <= history.today:
        rates[month.year, month.month] = rate = round(
            rate * history.rng.uniform(0.97, 1.03), 4
        )
        month = (month + timedelta(days=32)).replace(day=1)
    env["res.currency.rate"].create(
        [
            {
                "currency_id": currency.id,
                "company_id": company.id,
                "name": date(year, month, 1),
                "rate": rate,
            }
            for (year, month), rate in rates.items()
        ]
    )
    return currency, rates


def create_customers(env, history):
    """The customers, and one invoicing contact each for those that get invoices
    addressed to a contact."""
    countries = {
        country.code: country.id
        for country in env["res.country"].search([("code", "in", COUNTRIES)])
    }
    partners = env["res.partner"].create(
        [
            {
                "name": f"Risk bench customer {customer['index']:05d}",
                "email": f"customer{customer['index']}@bench.example.com",
                "is_company": True,
                "country_id": countries[customer["country"]],
                "child_ids": [
                    Command.create({"name": "Accounts payable", "type": "invoice"})
                ],
            }
            for customer in history.customers
        ]
    )
    for customer, partner in zip(history.customers, partners, strict=True):
        customer["partner_id"], customer["contact_id"] = (
            partner.id,
            partner.child_ids.id,
        )


def generate(env, company, invoices, partners, seed):
    """Plan the history, then create it: invoices, credit notes, payment entries,
    reconciliations."""
    rng = random.Random(seed)
    env = env(context=dict(env.context, **FAST_CREATE))
    today = fields.Date.context_today(env["account.move"])
    history = History(rng, today, invoices, partners)
    currency, rates = second_currency_rates(env, company, history)
    create_customers(env, history)
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    bank = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    receivable = (
        env["res.partner"]
        .browse(history.customers[0]["partner_id"])
        .property_account_receivable_id
    )
    env.cr.commit()

    def in_currency(invoice, on):
        if invoice["customer"]["foreign"]:
            return {"currency": currency, "rate": rates[on.year, on.month]}
        return {}

    def partner_id(invoice):
        return invoice["customer"]["contact_id" if invoice["contact"] else "partner_id"]

    start = time.perf_counter()
    invoice_ids = create_posted(
        env,
        [
            invoice_values(
                journal,
                receivable,
                partner_id(invoice),
                invoice["invoice_date"],
                invoice["due"],
                invoice["amount"],
                **in_currency(invoice, invoice["invoice_date"]),
            )
            for invoice in history.invoices
        ],
    )
    for invoice, move_id in zip(history.invoices, invoice_ids, strict=True):
        invoice["move_id"] = move_id
    print(f"  invoices: {time.perf_counter() - start:.0f} s", flush=True)

    # credit notes, then payments: one entry a day in the bank journal, one line per
    # payment
    settlements = sorted(
        (
            (settlement_date, kind, amount, invoice)
            for invoice in history.invoices
            for kind, settlement_date, amount in invoice["settlements"]
        ),
        key=lambda settlement: (settlement[0], settlement[3]["move_id"]),
    )
    credit_notes = [
        settlement for settlement in settlements if settlement[1] == "credit_note"
    ]
    start = time.perf_counter()
    refund_ids = create_posted(
        env,
        [
            invoice_values(
                journal,
                receivable,
                partner_id(invoice),
                on,
                on,
                amount,
                move_type="out_refund",
                reversed_entry_id=invoice["move_id"],
                **in_currency(invoice, on),
            )
            for on, _kind, amount, invoice in credit_notes
        ],
        label="credit notes",
    )
    # posting a credit note of an invoice (reversed_entry_id) reconciles them, as in the
    # user interface
    settled_by = defaultdict(
        list
    )  # invoice move id -> the payment lines that settle it
    payments_by_day = defaultdict(list)
    for settlement in settlements:
        if settlement[1] == "payment":
            payments_by_day[settlement[0]].append(settlement)
    entries = [
        payment_entry(bank, receivable, on, day, in_currency, partner_id)
        for on, day in sorted(payments_by_day.items())
    ]
    create_posted(env, entries, label="payment entries", batch=PAYMENT_BATCH_DAYS)
    env.cr.execute(
        SQL(
            "SELECT name, id FROM account_move_line WHERE journal_id = %s AND "
            "name LIKE 'Payment of move %%'",
            bank.id,
        )
    )
    for name, line_id in env.cr.fetchall():
        settled_by[int(name.split()[-1])].append(line_id)
    print(
        f"  {len(refund_ids)} credit notes, "
        f"{sum(map(len, payments_by_day.values()))} payments in {len(entries)} "
        f"entries: {time.perf_counter() - start:.0f} s",
        flush=True,
    )

    start = time.perf_counter()
    last_payment = {
        invoice["move_id"]: max(
            on for kind, on, _amount in invoice["settlements"] if kind == "payment"
        )
        for invoice in history.invoices
        if invoice["move_id"] in settled_by
    }
    reconcile(env, settled_by, last_payment)
    print(
        f"  {len(settled_by)} invoices reconciled: {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    return history


def payment_entry(bank, receivable, on, day, in_currency, partner_id):
    """One bank entry receiving the payments of day ``on``; its lines are named after
    the invoice they pay."""
    lines, total = [], 0.0
    for _on, _kind, amount, invoice in day:
        currency = in_currency(invoice, on)
        balance = round(amount / currency.get("rate", 1.0), 2)
        total += balance
        foreign = (
            {"currency_id": currency["currency"].id, "amount_currency": -amount}
            if currency
            else {}
        )
        lines.append(
            Command.create(
                {
                    "name": f"Payment of move {invoice['move_id']}",
                    "account_id": receivable.id,
                    "partner_id": partner_id(invoice),
                    "balance": -balance,
                    **foreign,
                }
            )
        )
    lines.append(
        Command.create(
            {
                "name": "Customer payments",
                "account_id": bank.default_account_id.id,
                "balance": round(total, 2),
            }
        )
    )
    return {"move_type": "entry", "journal_id": bank.id, "date": on, "line_ids": lines}


def reconcile(env, settled_by, last_payment):
    """Match each invoice's receivable line with the payment lines that settle it.

    In the order of the payments, as a bookkeeper would: an exchange difference entry is
    dated on its payment unless a later one exists in the same period (then on the last
    day of the period).
    """
    env.cr.execute(
        SQL(
            "SELECT move_id, id FROM account_move_line WHERE move_id = ANY(%s) "
            "AND display_type = 'payment_term'",
            list(settled_by),
        )
    )
    receivable_line = dict(env.cr.fetchall())
    Line = env["account.move.line"]
    invoice_ids = sorted(
        settled_by, key=lambda move_id: (last_payment[move_id], move_id)
    )
    for offset in range(0, len(invoice_ids), RECONCILE_BATCH):
        Line._reconcile_plan(
            [
                Line.browse([receivable_line[move_id], *settled_by[move_id]])
                for move_id in invoice_ids[offset : offset + RECONCILE_BATCH]
            ]
        )
        env.cr.commit()
        env.invalidate_all()


# ----------------------------------------------------------------------
# CHECKS AND MEASURES
# ----------------------------------------------------------------------


def describe(env, company, history):
    """What the database holds, and how the extraction reads it back against the planned
    history."""
    env.cr.execute(
        SQL(
            """SELECT move_type, payment_state, COUNT(*) FROM account_move
            WHERE company_id = %s AND move_type IN ('out_invoice', 'out_refund')
            GROUP BY 1, 2 ORDER BY 1, 2""",
            company.id,
        )
    )
    print(
        "  customer invoices and credit notes by payment state: "
        + ", ".join(
            f"{move_type} {state} {count}"
            for move_type, state, count in env.cr.fetchall()
        )
    )
    frame = env["dunning.risk.scoring"]._invoice_frame(company).set_index("invoice_id")
    planned = {
        invoice["move_id"]: history.planned_paid_date(invoice)
        for invoice in history.invoices
    }
    agreement = Counter(
        "paid date as planned"
        if paid_date == planned[move_id]
        else "open as planned"
        if paid_date is None and planned[move_id] is None
        else "differs"
        for move_id, paid_date in frame["paid_date"].items()
    )
    kinds = Counter(invoice["customer"]["kind"][0] for invoice in history.invoices)
    print(f"  customers' behaviour (invoices): {dict(kinds)}")
    print(
        f"  extraction: {len(frame)} of {len(history.invoices)} invoices "
        f"({dict(agreement)}), {frame['partner_id'].nunique()} customers, "
        f"currencies {dict(Counter(frame['currency']))}"
    )


def bench_scoring(env, company, label, profile_path=None):
    """Time one ``_score_company`` (committed, as the cron does) and its stages."""
    # imported here: odoo.addons only finds the addon once the configuration is loaded
    from odoo.addons.dunning_automation import risk

    scoring = "dunning.risk.scoring"
    meter = PhaseMeter(
        env,
        [
            (scoring, "_invoice_frame"),
            (risk, "validate_frame"),
            (risk.LatePaymentModel, "fit"),
            (risk.LatePaymentModel, "predict"),
            (risk.LatePaymentModel, "score_partners"),
            (scoring, "_write_partner_scores"),
            (scoring, "_write_invoice_scores"),
            (scoring, "_clear_scores"),
        ],
    )
    profiler = cProfile.Profile() if profile_path else None
    measured = {}
    try:
        with measure(env.cr, measured):
            if profiler:
                profiler.enable()
            result = env[scoring]._score_company(company)
            env.flush_all()
            env.cr.commit()
            if profiler:
                profiler.disable()
    finally:
        meter.restore()
    print(
        f"{label}: {measured['seconds']:.2f} s, {measured['queries']} queries, "
        f"peak memory {measured['memory']}"
    )
    print(f"  result {result}")
    print("  stages (inclusive):")
    meter.report(measured["seconds"])
    if profiler:
        profiler.dump_stats(profile_path)
        print(f"  cProfile written to {profile_path}; top 25 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return measured


def main(argv):
    args, odoo_args = parse_args(argv)
    setup_config(odoo_args, TOP, args.db, fresh=not args.reuse_db)
    print(
        f"== {args.invoices} invoices, {args.partners} customers, database {args.db}",
        flush=True,
    )
    try:
        start = time.perf_counter()
        if args.reuse_db:
            install(odoo_args, TOP, args.db, MODULE, update=True)
            print(f"{MODULE} updated: {time.perf_counter() - start:.0f} s", flush=True)
        else:
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
                history = generate(
                    env, company, args.invoices, args.partners, args.seed
                )
                print(
                    f"GENERATION: {time.perf_counter() - start:.1f} s for "
                    f"{args.partners} customers, "
                    f"{args.invoices} posted invoices",
                    flush=True,
                )
                describe(env, company, history)
        # a fresh registry and cache, as a cron worker would have
        with environment(args.db) as env:
            company = env.ref("base.main_company")
            bench_scoring(env, company, "SCORING 1", args.profile)
            bench_scoring(env, company, "SCORING 2 (next week: every score rewritten)")
    finally:
        drop(args.db, keep=args.keep_db or args.reuse_db)


if __name__ == "__main__":
    main(sys.argv[1:])
