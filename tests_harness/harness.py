# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

import odoo.init  # noqa: F401  (Odoo 19: set up the namespace before using the ORM)
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config

_logger = logging.getLogger("tests_harness")

CUSTOMERS = 12
BATCH_SIZE = 3
# Rounds of each scenario: the short form runs in `make test`, the full one in
# `make chaos`.
SCALES = {
    "short": {"kills": 2, "faults": 6, "race_rounds": 2},
    "full": {"kills": 20, "faults": 200, "race_rounds": 50},
}
LIVE = ("queued", "sent")


def configured_db():
    """The database named by ``-d`` (Odoo 19 keeps ``db_name`` as a list)."""
    name = config["db_name"]
    return name[0] if isinstance(name, list) else name


def run_manually(env):
    """A manual evaluation of the main company, committed batch by batch as the
    cron's."""
    run = env["dunning.run"].create(
        {
            "date": fields.Date.context_today(env["dunning.run"]),
            "trigger": "manual",
            "company_ids": env.ref("base.main_company").ids,
        }
    )
    env.cr.commit()
    run._execute(commit=True)


def odoo_command(args, *extra):
    return [sys.executable, "-m", "odoo", *args, *extra]


class MailGateway:
    """The SMTP server, the one thing mocked: down (refusing connections) or recording
    deliveries."""

    def __init__(self):
        self.down = False
        self.delivered = Counter()

    def connect(self, *args, **kwargs):
        if self.down:
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        return self

    def send_email(self, message, *args, **kwargs):
        self.delivered[message["To"]] += 1
        return message["Message-Id"]

    def quit(self):
        pass

    def patched(self, registry):
        IrMailServer = registry["ir.mail_server"]
        return (
            patch.object(IrMailServer, "_disable_send", lambda *args: False),
            patch.object(IrMailServer, "_connect__", self.connect),
            patch.object(IrMailServer, "send_email", self.send_email),
        )


class Harness:
    """Build a database with overdue invoices, then race and crash dunning runs against
    it."""

    def __init__(self, args, scale="short"):
        self.args = args
        self.scale = SCALES[scale]
        config.parse_config(args)
        self.db = configured_db()
        self.results = []
        self.figures = []  # (scenario, expected, exactly once, duplicates, lost, chain)
        self.rng = random.Random(12)

    # -- set-up ------------------------------------------------------------------

    def install(self):
        subprocess.run(
            odoo_command(
                self.args,
                "-i",
                "dunning_automation",
                "--stop-after-init",
                "--without-demo",
                "--log-level=warn",
                "--http-port=0",
                "--no-http",
            ),
            check=True,
        )
        self.registry = Registry(self.db)

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def reset_data(self):
        """Fresh customers, each with one invoice 8 days overdue; no previous
        reminder."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            env.cr.execute("DELETE FROM dunning_communication_line")
            env.cr.execute("DELETE FROM dunning_communication_move_rel")
            env.cr.execute("DELETE FROM dunning_communication")
            env.cr.execute("DELETE FROM dunning_run")
            env["ir.config_parameter"].set_param(
                "dunning_automation.batch_size", BATCH_SIZE
            )
            company = env.ref("base.main_company")
            company.email = "billing@harness.example.com"
            today = fields.Date.context_today(env["res.partner"])
            partners = env["res.partner"].create(
                [
                    {"name": f"Harness customer {i}", "email": f"h{i}@example.com"}
                    for i in range(CUSTOMERS)
                ]
            )
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": today - timedelta(days=38),
                        "invoice_date_due": today - timedelta(days=8),
                        "invoice_line_ids": [
                            (
                                0,
                                0,
                                {
                                    "name": "Service",
                                    "quantity": 1,
                                    "price_unit": 100.0,
                                    "tax_ids": [],
                                },
                            )
                        ],
                    }
                    for partner in partners
                ]
            )
            invoices.action_post()
            self.partner_ids = partners.ids

    # -- checks --------------------------------------------------------------------

    def check(self, name, condition, detail=""):
        self.results.append(bool(condition))
        print(
            f"harness: {'PASS' if condition else 'FAIL'} {name} {detail}".rstrip(),
            flush=True,
        )

    def assert_each_customer_once(self, name):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            communications = env["dunning.communication"].search(
                [("partner_id", "in", self.partner_ids)]
            )
            per_partner = {pid: 0 for pid in self.partner_ids}
            for communication in communications:
                per_partner[communication.partner_id.id] += 1
            counts = sorted(set(per_partner.values()))
            self.check(
                f"{name}: every customer reminded exactly once",
                counts == [1],
                f"(counts seen: {counts})",
            )
            company = env.ref("base.main_company")
            broken = env["dunning.communication"]._find_broken_link(company)
            self.check(
                f"{name}: audit chain intact", not broken, f"(broken at {broken.ids})"
            )

    def tally(self, partner_ids=None):
        """(expected, reminded exactly once, duplicates, lost, audit chain intact) of
        the current customers, each due one reminder."""
        partner_ids = partner_ids or self.partner_ids
        with self.registry.cursor() as cr:
            env = self.env(cr)
            counts = Counter(
                env["dunning.communication"]
                .search([("partner_id", "in", partner_ids), ("state", "in", LIVE)])
                .mapped("partner_id.id")
            )
            broken = env["dunning.communication"]._find_broken_link(
                env.ref("base.main_company")
            )
        once = sum(1 for pid in partner_ids if counts[pid] == 1)
        duplicates = sum(max(count - 1, 0) for count in counts.values())
        lost = sum(1 for pid in partner_ids if not counts[pid])
        return [len(partner_ids), once, duplicates, lost, not broken]

    def record(self, scenario, rounds):
        """Add up the rounds' tallies, check them, keep them for the table."""
        expected, once, duplicates, lost = (sum(r[i] for r in rounds) for i in range(4))
        chain = all(r[4] for r in rounds)
        self.figures.append((scenario, expected, once, duplicates, lost, chain))
        self.check(
            f"{scenario}: delivered exactly once, no duplicate, none lost",
            once == expected and not duplicates and not lost,
            f"(expected {expected}, once {once}, duplicates {duplicates}, lost {lost})",
        )
        self.check(f"{scenario}: audit chain intact", chain)

    def print_table(self):
        header = ("scenario", "expected", "exactly once", "duplicates", "lost", "chain")
        rows = [header] + [
            (name, *map(str, values[:4]), "intact" if values[4] else "BROKEN")
            for name, *values in self.figures
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            print(
                "harness table: "
                + " | ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ),
                flush=True,
            )

    # -- scenarios -----------------------------------------------------------------

    def run_evaluation(self, trigger, barrier, errors):
        try:
            with self.registry.cursor() as cr:
                env = self.env(cr)
                barrier.wait(timeout=60)
                if trigger == "cron":
                    env["dunning.run"]._cron_run()
                else:
                    run_manually(env)
        except Exception:  # noqa: BLE001 - reported as a failed check
            errors.append(traceback.format_exc())

    def run_threads(self, triggers):
        """Start the evaluations at the same moment; the tracebacks of those that
        failed."""
        barrier, errors = threading.Barrier(len(triggers)), []
        threads = [
            threading.Thread(
                target=self.run_evaluation, args=(trigger, barrier, errors)
            )
            for trigger in triggers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        return errors

    def scenario_races(self):
        """4 scheduled-action threads and 2 manual runs start at the same moment."""
        rounds, errors = [], []
        for _round in range(self.scale["race_rounds"]):
            self.reset_data()
            errors += self.run_threads(("cron",) * 4 + ("manual",) * 2)
            rounds.append(self.tally())
        self.check(
            "races: every run finished without error", not errors, "".join(errors)
        )
        self.record("4 cron threads + 2 manual runs at once", rounds)

    def scenario_kills(self):
        """The process SIGKILLs itself at a random point of a random batch (no rollback,
        no clean-up); the next run finishes the work."""
        from .faults import STEPS

        rounds, exits, errors = [], [], []
        for _kill in range(self.scale["kills"]):
            self.reset_data()
            step = self.rng.choice(STEPS)[0]
            call = self.rng.randint(1, CUSTOMERS // BATCH_SIZE)
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests_harness.crash",
                    step,
                    str(call),
                    *self.args,
                ],
                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                check=False,
            )
            exits.append(result.returncode)
            errors += self.run_threads(("cron",))
            rounds.append(self.tally())
        self.check(
            "kills: every process died by SIGKILL",
            set(exits) == {-signal.SIGKILL},
            f"(exits {sorted(set(exits))})",
        )
        self.check("kills: every rerun finished", not errors, "".join(errors))
        self.record(f"SIGKILL at random points x{len(exits)}, then rerun", rounds)

    def scenario_faults(self):
        """An exception at each batch boundary and inside each step of a batch, in turn;
        the failed run is followed by a rerun."""
        from .faults import STEPS, InjectedFault, inject

        points = [
            (step[0], call)
            for call in range(1, CUSTOMERS // BATCH_SIZE + 1)
            for step in STEPS
        ]
        rounds, raised, errors = [], 0, []
        quiet = logging.getLogger("odoo.addons.dunning_automation.models.dunning_run")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        try:
            for index in range(self.scale["faults"]):
                step, call = points[index % len(points)]
                self.reset_data()
                try:
                    with inject(step, call), self.registry.cursor() as cr:
                        run_manually(self.env(cr))
                except InjectedFault:
                    raised += 1
                errors += self.run_threads(("cron",))
                rounds.append(self.tally())
        finally:
            quiet.setLevel(level)
        self.check(
            "faults: every injected fault was raised",
            raised == self.scale["faults"],
            f"({raised} of {self.scale['faults']})",
        )
        self.check("faults: every rerun finished", not errors, "".join(errors))
        self.record(f"exceptions at {len(points)} points x{raised}, then rerun", rounds)

    def scenario_partner_merge(self):
        """Two customers still to be reminded are merged (Odoo's partner merge wizard)
        between the batches of a run: the survivor is reminded once, the run and a
        rerun finish."""
        from .faults import DunningRun

        self.reset_data()
        source, target = self.partner_ids[-1], self.partner_ids[-2]
        process_batch = DunningRun._process_batch
        calls = []

        def merge_before_second_batch(run, reminders, commit=False):
            calls.append(1)
            if len(calls) == 2:
                with self.registry.cursor() as cr:
                    env = self.env(cr)
                    env["base.partner.merge.automatic.wizard"]._merge(
                        [source, target], env["res.partner"].browse(target)
                    )
            return process_batch(run, reminders, commit=commit)

        errors = []
        with patch.object(DunningRun, "_process_batch", merge_before_second_batch):
            errors += self.run_threads(("manual",))
        errors += self.run_threads(("cron",))
        survivors = [pid for pid in self.partner_ids if pid != source]
        with self.registry.cursor() as cr:
            gone = not self.env(cr)["res.partner"].browse(source).exists()
        self.check("partner merge: merged during the run", gone and len(calls) > 1)
        self.check("partner merge: the runs finished", not errors, "".join(errors))
        self.record("partner merge between batches", [self.tally(survivors)])

    def scenario_locked_customers(self):
        """Another worker holds three customers' rows while a run starts: their
        reminders wait for a later round (after the lock is released), none is
        dropped."""
        self.reset_data()
        held = self.partner_ids[:3]
        locker = self.registry.cursor()
        try:
            locker.execute(
                "SELECT id FROM res_partner WHERE id IN %s FOR UPDATE", [tuple(held)]
            )
            barrier, errors = threading.Barrier(1), []
            thread = threading.Thread(
                target=self.run_evaluation, args=("manual", barrier, errors)
            )
            thread.start()
            time.sleep(1.5)
            locker.execute("SELECT now() AT TIME ZONE 'UTC'")
            [released] = locker.fetchone()
        finally:
            locker.rollback()
            locker.close()
        thread.join(timeout=300)
        self.check("locked customers: the run finished", not errors, "".join(errors))
        with self.registry.cursor() as cr:
            env = self.env(cr)
            late = env["dunning.communication"].search([("partner_id", "in", held)])
            cr.execute(
                "SELECT bool_and(create_date > %s) FROM dunning_communication "
                "WHERE id IN %s",
                [released, tuple(late.ids or [0])],
            )
            [after_release] = cr.fetchone()
            skips = env["dunning.run"].search([], limit=1).skip_counts or {}
        self.check(
            "locked customers: their reminders were sent after the lock was released",
            len(late) == len(held) and after_release,
            f"({len(late)} of {len(held)}, after release: {after_release})",
        )
        self.check(
            "locked customers: none counted as locked (dropped)",
            "locked" not in skips,
            f"(skips: {skips})",
        )
        self.assert_each_customer_once("locked customers")

    def send_mail_queue(self):
        with self.registry.cursor() as cr:
            self.env(cr)["mail.mail"].process_email_queue()

    def scenario_mail_server_down(self):
        """The mail server refuses connections through three runs, then comes back; the
        scheduled and a manual run retry at the same moment: every reminder is delivered
        exactly once."""
        self.reset_data()
        with self.registry.cursor() as cr:
            self.env(cr)["ir.config_parameter"].set_param(
                "dunning_automation.retry_backoff_minutes", "0,0,0"
            )
        gateway = MailGateway()
        mocks = gateway.patched(self.registry)
        for mock in mocks:
            mock.start()
        try:
            errors = []
            for down, triggers in (
                (True, ("cron",)),
                (True, ("cron", "manual")),
                (True, ("cron", "manual")),
                (False, ("cron", "manual")),
            ):
                errors += self.run_threads(triggers)
                gateway.down = down
                self.send_mail_queue()
            self.check(
                "mail server down: every run finished", not errors, "".join(errors)
            )
            errors += self.run_threads(("cron",))
            self.send_mail_queue()
        finally:
            for mock in mocks:
                mock.stop()
        with self.registry.cursor() as cr:
            communications = self.env(cr)["dunning.communication"].search(
                [("partner_id", "in", self.partner_ids)]
            )
            states = Counter(communications.mapped("state"))
            retries = sorted(set(communications.mapped("retry_count")))
        self.check(
            "mail server down: every reminder sent in the end",
            states == {"sent": CUSTOMERS},
            f"({dict(states)})",
        )
        self.check(
            "mail server down: retried by the later runs",
            retries == [3],
            f"(retries seen: {retries})",
        )
        counts = sorted(set(gateway.delivered.values()))
        self.check(
            "mail server down: every customer's email delivered exactly once",
            counts == [1] and len(gateway.delivered) == CUSTOMERS,
            f"(deliveries per address: {counts}, {len(gateway.delivered)} addresses)",
        )
        self.assert_each_customer_once("mail server down")
        self.figures.append(
            (
                "SMTP down for 3 runs, then up (emails delivered)",
                CUSTOMERS,
                sum(1 for count in gateway.delivered.values() if count == 1),
                sum(count - 1 for count in gateway.delivered.values()),
                CUSTOMERS - len(gateway.delivered),
                self.tally()[4],
            )
        )


def main(argv):
    # the races make PostgreSQL refuse queries (unique keys, concurrent updates) that
    # the runs retry: Odoo logs each as an error, the checks say whether harm came
    logging.getLogger("odoo.sql_db").setLevel(logging.CRITICAL)
    scale = "full" if "--full" in argv else "short"
    harness = Harness([arg for arg in argv if arg != "--full"], scale)
    try:
        harness.install()
        harness.scenario_races()
        harness.scenario_kills()
        harness.scenario_faults()
        harness.scenario_locked_customers()
        harness.scenario_mail_server_down()
        harness.scenario_partner_merge()
        from .payment import PaymentScenarios  # noqa: PLC0415 - imports this module

        PaymentScenarios(harness).run()
    except Exception:  # noqa: BLE001 - any set-up failure is a failed harness
        traceback.print_exc()
        harness.results.append(False)
    harness.print_table()
    passed = sum(harness.results)
    failed = len(harness.results) - passed
    print(f"harness: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0
