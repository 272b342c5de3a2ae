# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import os
import subprocess
import sys
import threading
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

    def __init__(self, args):
        self.args = args
        config.parse_config(args)
        self.db = configured_db()
        self.results = []

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

    def scenario_concurrent_runs(self):
        """The scheduled run and a manual run start at the same moment."""
        self.reset_data()
        barrier, errors = threading.Barrier(2), []
        threads = [
            threading.Thread(
                target=self.run_evaluation, args=(trigger, barrier, errors)
            )
            for trigger in ("cron", "manual")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        self.check(
            "concurrent runs: both finished without error", not errors, "".join(errors)
        )
        self.assert_each_customer_once("concurrent runs")

    def scenario_killed_process(self):
        """The process dies (no rollback, no clean-up) after its first batch; the next
        run finishes."""
        self.reset_data()
        result = subprocess.run(
            [sys.executable, "-m", "tests_harness.crash", *self.args],
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            check=False,
        )
        self.check(
            "killed run: the process died mid-run",
            result.returncode == 17,
            f"(exit {result.returncode})",
        )
        with self.registry.cursor() as cr:
            sent = self.env(cr)["dunning.communication"].search_count(
                [("partner_id", "in", self.partner_ids)]
            )
        self.check(
            "killed run: the first batch was committed",
            sent == BATCH_SIZE,
            f"({sent} sent)",
        )
        barrier, errors = threading.Barrier(1), []
        self.run_evaluation("cron", barrier, errors)
        self.check("killed run: the next run finished", not errors, "".join(errors))
        self.assert_each_customer_once("killed run")
        barrier, errors = threading.Barrier(1), []
        self.run_evaluation("manual", barrier, errors)
        self.assert_each_customer_once("killed run, evaluated once more")

    def send_mail_queue(self):
        with self.registry.cursor() as cr:
            self.env(cr)["mail.mail"].process_email_queue()

    def scenario_mail_server_down(self):
        """The mail server refuses connections through two runs, then comes back; the
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
                (False, ("cron", "manual")),
            ):
                barrier = threading.Barrier(len(triggers))
                threads = [
                    threading.Thread(
                        target=self.run_evaluation, args=(trigger, barrier, errors)
                    )
                    for trigger in triggers
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=300)
                gateway.down = down
                self.send_mail_queue()
            self.check(
                "mail server down: every run finished", not errors, "".join(errors)
            )
            barrier = threading.Barrier(1)
            self.run_evaluation("cron", barrier, errors)
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
            retries == [2],
            f"(retries seen: {retries})",
        )
        counts = sorted(set(gateway.delivered.values()))
        self.check(
            "mail server down: every customer's email delivered exactly once",
            counts == [1] and len(gateway.delivered) == CUSTOMERS,
            f"(deliveries per address: {counts}, {len(gateway.delivered)} addresses)",
        )
        self.assert_each_customer_once("mail server down")


def main(argv):
    harness = Harness(argv)
    try:
        harness.install()
        harness.scenario_concurrent_runs()
        harness.scenario_killed_process()
        harness.scenario_mail_server_down()
        from .payment import PaymentScenarios  # noqa: PLC0415 - imports this module

        PaymentScenarios(harness).run()
    except Exception:  # noqa: BLE001 - any set-up failure is a failed harness
        traceback.print_exc()
        harness.results.append(False)
    passed = sum(harness.results)
    failed = len(harness.results) - passed
    print(f"harness: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0
