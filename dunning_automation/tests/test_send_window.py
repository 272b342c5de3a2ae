# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import UTC, date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import BaseCase, tagged

from odoo.addons.sms.tests.common import SMSCase

from ..send_window import next_opening
from .common import TODAY, DunningCommon, days

OFFICE = {weekday: [(8.0, 12.0), (13.0, 17.0)] for weekday in range(5)}


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@tagged("post_install", "-at_install")
class TestNextOpening(BaseCase):
    """Business hours in the customer's time zone, weekends and holidays closed."""

    def test_open_now(self):
        # Friday 16:30 in Brussels (CET)
        self.assertEqual(
            next_opening(utc(2026, 3, 27, 15, 30), "Europe/Brussels", OFFICE),
            utc(2026, 3, 27, 15, 30),
        )

    def test_after_hours_waits_over_the_dst_weekend(self):
        # Friday 18:30 CET: Monday 08:00, which is CEST since Sunday 29 March
        self.assertEqual(
            next_opening(utc(2026, 3, 27, 17, 30), "Europe/Brussels", OFFICE),
            utc(2026, 3, 30, 6, 0),
        )

    def test_on_the_dst_switch_day(self):
        self.assertEqual(
            next_opening(utc(2026, 3, 29, 1, 30), "Europe/Brussels", OFFICE),
            utc(2026, 3, 30, 6, 0),
        )
        # New York moves to EDT on Sunday 8 March: Monday opens at 12:00 UTC, not 13:00
        self.assertEqual(
            next_opening(utc(2026, 3, 7, 15, 0), "America/New_York", OFFICE),
            utc(2026, 3, 9, 12, 0),
        )

    def test_lunch_break_and_evening_in_tokyo(self):
        # 12:30 JST: after lunch, 13:00 JST
        self.assertEqual(
            next_opening(utc(2026, 3, 16, 3, 30), "Asia/Tokyo", OFFICE),
            utc(2026, 3, 16, 4, 0),
        )
        # 22:00 JST: the next morning at 08:00 JST
        self.assertEqual(
            next_opening(utc(2026, 3, 16, 13, 0), "Asia/Tokyo", OFFICE),
            utc(2026, 3, 16, 23, 0),
        )

    def test_holiday_and_no_hours(self):
        # Easter Monday closed: Tuesday 08:00 CEST
        self.assertEqual(
            next_opening(
                utc(2026, 4, 6, 7, 0),
                "Europe/Brussels",
                OFFICE,
                holidays={date(2026, 4, 6)},
            ),
            utc(2026, 4, 7, 6, 0),
        )
        self.assertIsNone(next_opening(utc(2026, 4, 6, 7, 0), "UTC", {}))


@tagged("post_install", "-at_install")
class TestSendWindow(DunningCommon, SMSCase):
    """An SMS due outside the customer's business hours waits; it is not dropped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.resource_calendar_id.attendance_ids = [Command.clear()] + [
            Command.create(
                {
                    "name": f"{weekday} {hour_from}",
                    "dayofweek": str(weekday),
                    "hour_from": hour_from,
                    "hour_to": hour_to,
                    "day_period": "morning" if hour_from < 12 else "afternoon",
                }
            )
            for weekday, hours in OFFICE.items()
            for hour_from, hour_to in hours
        ]
        cls.customer.write(
            {
                "email": False,
                "phone": "+32470123456",
                "tz": "Europe/Brussels",
            }
        )
        cls.first.write(
            {
                "sms_template_id": cls.env.ref(
                    "dunning_automation.sms_template_dunning_reminder"
                ).id,
                "channel_ids": [Command.create({"channel": "sms", "rule": "fallback"})],
            }
        )
        cls._invoice(cls.customer, days(-8))

    def _sms_communication(self):
        return self._communications(self.customer).filtered(
            lambda c: c.channel == "sms"
        )

    def test_sms_at_night_waits_for_the_morning(self):
        # the run at midnight UTC is 01:00 in Brussels
        with self.mockSMSGateway():
            self._run()
            communication = self._sms_communication()
            self.assertEqual(communication.state, "queued")
            self.assertEqual(communication.send_after, datetime(2026, 3, 16, 7, 0))
            self.assertFalse(communication.hash, "not sealed before it is written")
            self.assertFalse(self._new_sms)
            with freeze_time(datetime(2026, 3, 16, 6, 59)):
                self.env["dunning.delivery"]._deliver_waiting(self.company)
            self.assertFalse(self._new_sms, "still closed")
            with freeze_time(datetime(2026, 3, 16, 7, 0)):
                self.env["dunning.delivery"]._deliver_waiting(self.company)
            self.assertSMSOutgoing(self.customer, "+32470123456")
        self.assertTrue(communication.hash)
        self.assertFalse(
            self.env["dunning.communication"]._find_broken_link(self.company)
        )

    def test_public_holiday_waits_for_the_next_working_day(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "company_id": self.company.id,
                "calendar_id": self.company.resource_calendar_id.id,
                "date_from": datetime(2026, 3, 15, 23, 0),
                "date_to": datetime(2026, 3, 16, 22, 59),
            }
        )
        with self.mockSMSGateway():
            self._run()
        self.assertEqual(
            self._sms_communication().send_after, datetime(2026, 3, 17, 7, 0)
        )
        self.assertEqual(TODAY.weekday(), 0)
