# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the benchmarks share: a fresh database, fast invoice generation and measures.

Imported by ``bench/bench_dunning.py`` and ``bench/bench_risk_db.py`` (run from the
checkout: ``python3 bench/<script>.py``, which puts this folder on ``sys.path``).
"""

import resource
import subprocess
import sys
import time
from contextlib import contextmanager

import odoo.init  # noqa: F401  (Odoo 19: set up the namespace before using the ORM)
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.service import db as db_service
from odoo.tools import config

MODULE = "dunning_automation"
GENERATION_BATCH = 500
# Context of the data generation: no chatter noise, as an import would do, and no
# re-synchronisation of the invoices' dynamic lines: ``invoice_values`` writes the lines
# the invoice form would compute.
FAST_CREATE = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
    "skip_invoice_sync": True,
}


# ----------------------------------------------------------------------
# DATABASE
# ----------------------------------------------------------------------


def add_size_arguments(parser, db_prefix):
    """The options every benchmark takes: its size and the database it creates."""
    parser.add_argument(
        "--invoices", type=int, required=True, help="number of posted customer invoices"
    )
    parser.add_argument(
        "--partners", type=int, required=True, help="number of customers"
    )
    parser.add_argument(
        "--db", help=f"database to create (default: {db_prefix}_<invoices>_<pid>)"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="do not drop the database at the end"
    )


def odoo_command(odoo_args, addons_path, db, *extra):
    return [
        sys.executable,
        "-m",
        "odoo",
        *odoo_args,
        f"--addons-path={addons_path}",
        "-d",
        db,
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
        *extra,
    ]


def install(odoo_args, addons_path, db, module, update=False):
    """Install ``module`` (creating the database when missing, without demo data), or
    update it, in a subprocess."""
    subprocess.run(
        odoo_command(odoo_args, addons_path, db, "-u" if update else "-i", module),
        check=True,
    )


def setup_config(odoo_args, addons_path, db, fresh=True):
    """Load Odoo's configuration; exit when ``db`` exists and must be ``fresh``, or is
    missing and must not."""
    config.parse_config(
        [*odoo_args, f"--addons-path={addons_path}", "--log-level=warn"],
        setup_logging=True,
    )
    exists = db in db_service.list_dbs(force=True)
    if fresh and exists:
        sys.exit(
            f"error: database {db} already exists; the benchmark needs a fresh "
            "one (--db NAME)"
        )
    if not fresh and not exists:
        sys.exit(f"error: database {db} does not exist")


@contextmanager
def environment(db):
    """A superuser environment on ``db`` (through a fresh registry), its cursor closed
    at the end."""
    Registry.delete(db)
    with Registry(db).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


def drop(db, keep=False):
    """Forget ``db``'s registry and drop the database unless ``keep``."""
    Registry.delete(db)
    if not keep and db in db_service.list_dbs(force=True):
        db_service.exp_drop(db)
        print(f"database {db} dropped")


def prepare_company(env):
    """The main company, with a chart of accounts and an email address."""
    company = env.ref("base.main_company")
    if not company.chart_template:
        env["account.chart.template"].try_loading(
            "generic_coa", company, install_demo=False
        )
    company.email = "billing@bench.example.com"
    return company


# ----------------------------------------------------------------------
# DATA
# ----------------------------------------------------------------------


def invoice_values(
    journal,
    receivable,
    partner_id,
    invoice_date,
    due,
    amount,
    move_type="out_invoice",
    currency=None,
    rate=1.0,
    **extra,
):
    """Values of a posted-to-be one-line untaxed customer invoice (or credit note) of
    ``amount``.

    The product and receivable (payment term) lines are those the invoice form would
    compute, so that the invoices can be created with :data:`FAST_CREATE` (no dynamic
    line synchronisation, half of the creation time). ``amount`` is in ``currency``
    (default: the company's), converted to the company currency at ``rate`` (units of
    ``currency`` per company currency unit).
    """
    sign = 1 if move_type == "out_invoice" else -1
    balance = round(amount / rate, 2)
    foreign = {"currency_id": currency.id} if currency else {}

    def line_currency(amount_currency):
        return (
            {"currency_id": currency.id, "amount_currency": amount_currency}
            if currency
            else {}
        )

    return {
        "move_type": move_type,
        "journal_id": journal.id,
        "partner_id": partner_id,
        "invoice_date": invoice_date,
        "date": invoice_date,
        "invoice_date_due": due,
        "invoice_payment_term_id": False,
        **foreign,
        "line_ids": [
            Command.create(
                {
                    "display_type": "product",
                    "name": "Consulting",
                    "account_id": journal.default_account_id.id,
                    "quantity": 1,
                    "price_unit": amount,
                    "balance": -sign * balance,
                    "tax_ids": [],
                    **line_currency(-sign * amount),
                }
            ),
            Command.create(
                {
                    "display_type": "payment_term",
                    "name": "",
                    "account_id": receivable.id,
                    "balance": sign * balance,
                    "date_maturity": due,
                    **line_currency(sign * amount),
                }
            ),
        ],
        **extra,
    }


def create_posted(env, values, label="invoices", batch=GENERATION_BATCH):
    """Create and post the moves of ``values`` by ORM batches (one commit each); return
    their ids."""
    env = env(context=dict(env.context, **FAST_CREATE))
    ids = []
    start = time.perf_counter()
    for offset in range(0, len(values), batch):
        moves = env["account.move"].create(values[offset : offset + batch])
        moves.action_post()
        ids += moves.ids
        env.cr.commit()
        done = min(offset + batch, len(values))
        if done % (batch * 10) == 0 or done == len(values):
            print(
                f"  {done} {label} posted ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    return ids


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
    """Fill ``result`` with the block's wall time, CPU time of this process (not
    PostgreSQL's: steadier than wall time on a loaded machine), queries on ``cr`` and
    peak memory.

    Memory is the peak resident set size during the block (VmHWM, reset at its start)
    minus the resident size at its start; without /proc/self/clear_refs, the growth of
    ru_maxrss instead. ``result["memory_mib"]`` holds the number, ``result["memory"]``
    its description.
    """
    resettable = reset_peak_rss()
    rss_start = rss_kib("VmRSS")
    maxrss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queries, start, cpu = cr.sql_log_count, time.perf_counter(), time.process_time()
    yield result
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = time.process_time() - cpu
    result["queries"] = cr.sql_log_count - queries
    if resettable:
        result["memory_mib"] = (rss_kib("VmHWM") - rss_start) / 1024
        result["memory"] = (
            f"{result['memory_mib']:.0f} MiB over start RSS "
            f"{rss_start / 1024:.0f} MiB (VmHWM)"
        )
    else:
        result["memory_mib"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_start
        ) / 1024
        result["memory"] = f"{result['memory_mib']:.0f} MiB growth of ru_maxrss"


class PhaseMeter:
    """Wrap methods to add up their wall time, CPU time and queries (inclusive).

    ``targets`` are ``(model name, class or module, function name)`` pairs: a model name
    stands for the registry class of ``env[model]``, so that every recordset of that
    model is measured.
    """

    def __init__(self, env, targets):
        self.env = env
        self.stats = {}
        self.patched = []
        for target, method in targets:
            cls = type(env[target]) if isinstance(target, str) else target
            owner = (
                target if isinstance(target, str) else cls.__name__.rsplit(".", 1)[-1]
            )
            label = f"{owner}.{method}"
            self.patched.append((cls, method, cls.__dict__.get(method)))
            setattr(cls, method, self._wrap(label, getattr(cls, method)))

    def _wrap(self, label, function):
        stats = self.stats.setdefault(
            label, {"calls": 0, "seconds": 0.0, "cpu_seconds": 0.0, "queries": 0}
        )
        cr = self.env.cr

        def wrapper(*args, **kwargs):
            queries, start = cr.sql_log_count, time.perf_counter()
            cpu = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                stats["calls"] += 1
                stats["seconds"] += time.perf_counter() - start
                stats["cpu_seconds"] += time.process_time() - cpu
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
                print(
                    f"    {label:<50} calls {stats['calls']:>5}  "
                    f"{stats['seconds']:8.2f} s ({share:4.1f} %)"
                    f"  cpu {stats['cpu_seconds']:7.2f} s"
                    f"  queries {stats['queries']:>7}"
                )
