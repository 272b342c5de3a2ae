# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command
from odoo.tests import Form, tagged

from odoo.addons.sms.tests.common import SMSCase

from .common import DunningCommon, days

MOBILE = "+32470123456"
# The runs of the tests start at midnight UTC: 09:00 in Tokyo, within business hours.
TOKYO = "Asia/Tokyo"


@tagged("post_install", "-at_install")
class TestChannelConsent(DunningCommon, SMSCase):
    """Opt-outs per channel, STOP answers and the frequency cap, honoured by the run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write(
            {"phone": MOBILE, "country_id": cls.env.ref("base.be").id, "tz": TOKYO}
        )
        cls.first.write(
            {
                "sms_template_id": cls.env.ref(
                    "dunning_automation.sms_template_dunning_reminder"
                ).id,
                "channel_ids": [Command.create({"channel": "sms", "rule": "fallback"})],
            }
        )
        cls.invoice = cls._invoice(cls.customer, days(-8))

    def _by_channel(self):
        return {c.channel: c for c in self._communications(self.customer)}

    def test_optouts_set_on_the_partner_form(self):
        with Form(self.customer) as form:
            form.dunning_no_email = True
        with self.mockSMSGateway():
            self._run()
        by_channel = self._by_channel()
        self.assertEqual(by_channel["email"].failure_type, "mail_optout")
        self.assertFalse(by_channel["email"].mail_id, "no email written")
        self.assertEqual(by_channel["sms"].state, "queued", "the fallback takes over")

    def test_optout_of_the_fallback_too(self):
        self.customer.write({"email": False, "dunning_no_sms": True})
        with self.mockSMSGateway():
            self._run()
        by_channel = self._by_channel()
        self.assertEqual(by_channel["sms"].failure_type, "sms_optout")
        self.assertIn("opted out", by_channel["sms"].failure_message)
        self.assertFalse(self._new_sms)

    def test_stop_answer_blacklists_the_number(self):
        Delivery = self.env["dunning.delivery"]
        self.assertFalse(Delivery._sms_reply(MOBILE, "When is it due?"))
        self.assertTrue(Delivery._sms_reply(MOBILE, " stop "))
        self.assertTrue(
            self.env["phone.blacklist"].sudo().search([("number", "=", MOBILE)])
        )
        self.customer.email = False
        with self.mockSMSGateway():
            self._run()
        self.assertEqual(self._by_channel()["sms"].failure_type, "sms_blacklist")
        self.assertFalse(self._new_sms)

    def test_frequency_cap_across_channels(self):
        self.policy.write({"max_messages": 1, "max_messages_days": 7})
        self.first.channel_ids.rule = "always"
        with self.mockSMSGateway():
            self._run()
        by_channel = self._by_channel()
        self.assertEqual(by_channel["email"].state, "queued")
        self.assertEqual(by_channel["sms"].failure_type, "frequency_cap")
        self.assertFalse(self._new_sms)
