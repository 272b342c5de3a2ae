# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from ast import literal_eval
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from ..wizards import dunning_log_call
from .common import TODAY, DunningCommon, days

LANDLINE = "+3225551212"


@tagged("post_install", "-at_install")
class TestCallChannel(DunningCommon):
    """Call reminders: a collector activity with the level's script, the call list,
    and the Log Call wizard feeding dunning."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write(
            {
                "phone": "02 555 12 12",
                "country_id": cls.env.ref("base.be").id,
                # the runs start at midnight UTC: 09:00 in Tokyo, within business hours
                "tz": "Asia/Tokyo",
            }
        )
        cls.first.write(
            {
                "call_script": "Ask when the invoice will be paid.",
                "channel_ids": [Command.create({"channel": "call", "rule": "always"})],
            }
        )
        cls.invoice = cls._invoice(cls.customer, days(-8))

    def _call(self):
        self._run()
        return self._communications(self.customer).filtered(
            lambda c: c.channel == "call"
        )

    def _log(self, call, **values):
        with freeze_time(TODAY):
            form = Form(
                self.env["dunning.log.call"].with_context(
                    active_model="dunning.communication", active_id=call.id
                )
            )
            for name, value in values.items():
                setattr(form, name, value)
            form.save().action_log()

    def test_call_scheduled_on_the_call_list(self):
        call = self._call()
        self.assertEqual(call.state, "queued")
        self.assertEqual(call.recipient, LANDLINE, "a landline will do for a call")
        self.assertEqual(call.cost_units, 1)
        self.assertTrue(call.hash)
        activity = call.call_activity_id
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("dunning_automation.mail_activity_type_dunning_call"),
        )
        self.assertEqual(activity.res_id, self.customer.id)
        self.assertIn("Ask when", str(activity.note))
        action = self.env.ref("dunning_automation.action_dunning_call_list")
        listed = self.env["dunning.communication"].search(literal_eval(action.domain))
        self.assertIn(call, listed)
        self.assertIn("1,000.00", call.overdue_text)

    def test_promise_pauses_like_a_portal_promise(self):
        call = self._call()
        self._log(call, outcome="promise", promise_date=days(10))
        self.assertEqual(self.invoice.dunning_pause_reason, "promise")
        self.assertEqual(
            self.invoice.dunning_paused_until,
            days(10 + self.policy.promise_grace_days),
        )
        self.assertEqual((call.state, call.outcome), ("sent", "promise"))
        activity = call.call_activity_id
        self.assertFalse(activity.exists() and activity.active, "the activity is done")
        self.assertNotIn(
            call,
            self.env["dunning.communication"].search(
                [("channel", "=", "call"), ("state", "=", "queued")]
            ),
        )

    def test_dispute_opens_one(self):
        call = self._call()
        self._log(call, outcome="dispute", note="Goods returned in February")
        dispute = self.env["dunning.dispute"].search(
            [("move_id", "=", self.invoice.id)]
        )
        self.assertEqual(dispute.message, "Goods returned in February")
        self.assertEqual(self.invoice.dunning_pause_reason, "dispute")
        self.assertEqual(call.outcome, "dispute")

    def test_wrong_number_clears_the_phone(self):
        call = self._call()
        self._log(call, outcome="wrong_number")
        self.assertFalse(self.customer.phone)
        self.assertEqual((call.state, call.outcome), ("failed", "wrong_number"))

    def test_unanswered_calls_escalate(self):
        call = self._call()
        with patch.object(dunning_log_call, "MAX_UNANSWERED_CALLS", 1):
            self._log(call, outcome="no_answer")
        self.assertEqual(call.outcome, "no_answer")
        self.assertIn(
            "unanswered",
            " ".join(self.customer.activity_ids.mapped("summary")),
        )

    def test_no_phone_fails_the_call(self):
        self.customer.phone = False
        call = self._call()
        self.assertEqual(call.failure_type, "call_number_missing")
        self.assertFalse(call.call_activity_id)
