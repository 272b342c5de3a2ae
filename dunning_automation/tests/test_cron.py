# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.dunning_automation.models.dunning_run import DunningRun

from .common import TODAY, DunningScheduledCommon


@tagged("post_install", "-at_install")
class TestDunningCron(DunningScheduledCommon):
    """The scheduled action through the real scheduler, with its commits (registry test
    mode)."""

    def _trigger_cron(self):
        with freeze_time(TODAY), self.enter_registry_test_mode():
            return self.cron.method_direct_trigger()

    def test_cron_sends_each_reminder_once(self):
        self.assertIs(self._trigger_cron(), True)
        self.assertEqual(self._communications().partner_id, self.customers)
        self.assertIs(self._trigger_cron(), True)
        self.assertEqual(
            len(self._communications()),
            5,
            "running twice the same day sends nothing new",
        )
        run = self._communications().run_id
        self.assertEqual(run.trigger, "cron")
        self.assertEqual(run.state, "done")

    def test_crash_between_batches(self):
        batches = []
        process_batch = DunningRun._process_batch

        def crash_on_second_batch(run, reminders, commit=False):
            batches.append(reminders)
            if (
                len(batches) >= 2
            ):  # the scheduler retries a failed job: it keeps failing
                raise RuntimeError("injected crash between batches")
            return process_batch(run, reminders, commit=commit)

        with (
            patch.object(DunningRun, "_process_batch", crash_on_second_batch),
            mute_logger(
                "odoo.addons.dunning_automation.models.dunning_run",
                "odoo.addons.base.models.ir_cron",
            ),
        ):
            result = self._trigger_cron()
        self.assertEqual(
            result["tag"], "display_exception", "the crash is reported, not swallowed"
        )
        committed = self._communications()
        self.assertEqual(
            len(committed), 2, "the first batch was committed before the crash"
        )
        failed_run = committed.run_id
        self.assertEqual(failed_run.state, "failed")
        self.assertIn("injected crash", failed_run.error_log)

        self.assertIs(self._trigger_cron(), True)
        communications = self._communications()
        self.assertEqual(len(communications), 5)
        self.assertEqual(
            communications.partner_id,
            self.customers,
            "every customer reminded exactly once",
        )
        self.assertEqual(len(set(communications.mapped("idempotency_key"))), 5)
        self.assertEqual(
            self.env["dunning.communication"]
            .search([("id", "in", communications.ids)])
            .mapped("chain_index"),
            [5, 4, 3, 2, 1],
        )

    def test_manual_run_queues_and_wakes_the_cron(self):
        with freeze_time(TODAY):
            self.env["dunning.run"].action_run_now()
        pending = self.env["dunning.run"].search(
            [("trigger", "=", "manual"), ("state", "=", "pending")]
        )
        self.assertEqual(len(pending), 1)
        self.assertIs(self._trigger_cron(), True)
        self.assertEqual(pending.state, "done")
        self.assertEqual(self._communications().run_id, pending)
