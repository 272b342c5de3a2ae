# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import TODAY, DunningCommon, days


@tagged("post_install", "-at_install")
class TestChannelSequence(DunningCommon, MockEmail):
    """A level is an ordered list of channels; every communication records its channel,
    recipient as sent, cost and outcome."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(cls.customer, days(-8))

    def test_email_stays_the_default_channel(self):
        self.assertEqual(self.first._dunning_channel_sequence(), [("email", "always")])
        self._run()
        communication = self._communications()
        self.assertEqual(communication.channel, "email")
        self.assertEqual(communication.recipient, "ap@cascade.example.com")
        self.assertEqual(communication.cost_units, 1)
        self.assertFalse(communication.outcome)
        self.assertIn("-email-", communication.idempotency_key)
        with self.mock_mail_gateway():
            communication.mail_id.send()
        self.assertEqual(communication.state, "sent")
        self.assertEqual(communication.outcome, "sent")
        self.assertFalse(
            self.env["dunning.communication"]._find_broken_link(self.company),
            "the recipient is sealed in the hash chain",
        )

    def test_missing_email_records_error_outcome(self):
        self.customer.email = False
        self._run()
        communication = self._communications()
        self.assertEqual(communication.state, "failed")
        self.assertEqual(communication.outcome, "error")
        self.assertEqual(communication.cost_units, 0)
        self.assertFalse(communication.recipient)

    def test_a_channel_appears_once_per_level(self):
        with self.assertRaises(ValidationError):
            self.first.channel_ids = [
                Command.create({"channel": "email", "rule": "fallback"})
            ]

    def test_idempotency_key_is_per_channel(self):
        Communication = self.env["dunning.communication"].sudo()
        key = Communication._idempotency_key(
            self.company, self.customer, self.first, "email", TODAY
        )
        self._run()
        self.assertEqual(self._communications().idempotency_key, key)
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            Communication.create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "level_id": self.first.id,
                    "channel": "email",
                    "dunning_date": TODAY,
                    "idempotency_key": key,
                }
            )
