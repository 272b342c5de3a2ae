# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.sms.tests.common import SMSCase

from ..models.sms_template import sms_length, sms_segments
from .common import DunningCommon, days

MOBILE = "+32470123456"
# The runs of the tests start at midnight UTC: 09:00 in Tokyo, within business hours.
TOKYO = "Asia/Tokyo"


@tagged("post_install", "-at_install")
class TestSmsChannel(DunningCommon, SMSCase):
    """SMS reminders: numbers normalised or refused with a reason, the fallback
    channel taking over, the delivery followed through Odoo's SMS tracker."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.belgium = cls.env.ref("base.be")
        cls.customer.write(
            {"phone": "0470 12 34 56", "country_id": cls.belgium.id, "tz": TOKYO}
        )
        cls.sms_template = cls.env.ref(
            "dunning_automation.sms_template_dunning_reminder"
        )
        cls.first.write(
            {
                "sms_template_id": cls.sms_template.id,
                "channel_ids": [Command.create({"channel": "sms", "rule": "fallback"})],
            }
        )
        cls.invoice = cls._invoice(cls.customer, days(-8))
        cls.Delivery = cls.env["dunning.delivery"]

    def _by_channel(self):
        return {c.channel: c for c in self._communications(self.customer)}

    def test_email_delivered_no_sms(self):
        with self.mockSMSGateway():
            self._run()
        self.assertEqual(list(self._by_channel()), ["email"])
        self.assertFalse(self._new_sms)

    def test_no_email_falls_back_to_sms_and_follows_delivery(self):
        self.customer.email = False
        with self.mockSMSGateway():
            self._run()
            by_channel = self._by_channel()
            self.assertEqual(by_channel["email"].state, "failed")
            sms_communication = by_channel["sms"]
            self.assertEqual(sms_communication.state, "queued")
            self.assertEqual(sms_communication.recipient, MOBILE)
            self.assertIn("-sms-", sms_communication.idempotency_key)
            self.assertEqual(
                sms_communication.move_ids, self.invoice, "same snapshot as the email"
            )
            self.assertEqual(len(sms_communication.line_ids), 1)
            self.assertSMSOutgoing(self.customer, MOBILE)
            sms = self._new_sms
            self.assertEqual(sms_communication.cost_units, sms_segments(sms.body))
            self.assertIn("1,000.00", sms.body)
            self.assertIn("/dunning/statement", sms.body)
            sms.send(unlink_sent=False)
        self.assertSMSIapSent([MOBILE])
        self.assertEqual(sms_communication.state, "sent")
        self.assertEqual(sms_communication.outcome, "sent")
        # the provider's delivery report, through the tracker as /sms/status does
        self.env["sms.tracker"].search(
            [("sms_uuid", "=", sms.uuid)]
        )._action_update_from_sms_state("sent")
        self.assertEqual(sms_communication.outcome, "delivered")
        self.assertFalse(
            self.env["dunning.communication"]._find_broken_link(self.company)
        )
        # a second run the same day sends neither again
        with self.mockSMSGateway():
            self._run()
        self.assertEqual(len(self._communications(self.customer)), 2)
        self.assertFalse(self._new_sms)

    def test_provider_error_fails_the_communication(self):
        self.customer.email = False
        with self.mockSMSGateway(nbr_t_error={MOBILE: "wrong_number_format"}):
            self._run()
            self._new_sms.send(unlink_failed=False)
        communication = self._by_channel()["sms"]
        self.assertEqual(communication.state, "failed")
        self.assertEqual(communication.failure_type, "sms_number_format")
        self.assertEqual(communication.outcome, "error")
        self.assertFalse(communication.can_retry, "an SMS is not retried as an email")

    def test_sms_first_blacklisted_falls_back_to_email(self):
        self.first.write(
            {
                "channel": "sms",
                "channel_ids": [
                    Command.clear(),
                    Command.create({"channel": "email", "rule": "fallback"}),
                ],
            }
        )
        self.env["phone.blacklist"].sudo().add(MOBILE)
        with self.mockSMSGateway():
            self._run()
        self.assertFalse(self._new_sms, "no gateway call")
        by_channel = self._by_channel()
        self.assertEqual(by_channel["sms"].failure_type, "sms_blacklist")
        self.assertIn("blacklisted", by_channel["sms"].failure_message)
        self.assertEqual(by_channel["email"].state, "queued")
        self.assertEqual(by_channel["email"].recipient, self.customer.email)

    def test_template_rendering_empty_is_a_failure(self):
        self.customer.email = False
        self.sms_template.body = "{{ '' }}"
        with self.mockSMSGateway():
            self._run()
        communication = self._by_channel()["sms"]
        self.assertEqual(communication.failure_type, "sms_body_empty")
        self.assertFalse(self._new_sms)

    def test_numbers_normalised_or_refused(self):
        france = self.env.ref("base.fr")
        usa = self.env.ref("base.us")
        cases = [
            ("0470 12 34 56", self.belgium, MOBILE),  # spaces, national format
            ("+32 470 12 34 56", self.belgium, MOBILE),
            ("0032470123456", self.belgium, MOBILE),
            ("32470123456", self.belgium, MOBILE),  # + missing
            ("+32470123456", False, MOBILE),  # address without country
            ("0470 12 34 56", france, "sms_not_mobile"),  # wrong country: a landline
            ("+32 2 555 12 12", self.belgium, "sms_not_mobile"),  # landline
            ("+32 47", self.belgium, "sms_number_format"),  # too short
            ("+1 (555) abc", usa, "sms_number_format"),
            (False, self.belgium, "sms_number_missing"),  # postal-only partner
        ]
        for phone, country, expected in cases:
            with self.subTest(phone=phone, country=country.code if country else None):
                partner = self._customer(
                    "Case", phone=phone, country_id=country.id if country else False
                )
                number, problem = self.Delivery._sms_number(partner)
                self.assertEqual(number or problem[0], expected)

    def test_sms_level_needs_a_template(self):
        with self.assertRaises(ValidationError):
            self.first.sms_template_id = False

    def test_template_editor_shows_length_and_segments(self):
        self.assertEqual(sms_segments(""), 0)
        self.assertEqual(sms_segments("a" * 160), 1)
        self.assertEqual(sms_segments("a" * 161), 2)
        self.assertEqual(sms_segments("€" * 80), 1, "extension characters count twice")
        self.assertEqual(sms_segments("ş" * 71), 2, "outside GSM: 70 per SMS")
        with Form(self.sms_template) as form:
            form.body = "Hello {{ object.partner_name }}"
            self.assertEqual(form.dunning_length, sms_length(form.body)[0])
            self.assertEqual(form.dunning_segments, 1)
