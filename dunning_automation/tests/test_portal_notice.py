# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestPortalNotice(DunningCommon, HttpCase):
    """Portal users with overdue invoices see a notice on /my linking the statement
    (dates relative to the real today: the server runs on the real clock)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._invoice(cls.customer, fields.Date.today() - timedelta(days=10))
        cls._invoice(cls.other_customer, fields.Date.today() + timedelta(days=10))
        for login, partner in (
            ("late_portal", cls.customer),
            ("ontime_portal", cls.other_customer),
        ):
            new_test_user(
                cls.env,
                login,
                groups="base.group_portal",
                company_id=cls.company.id,
                company_ids=cls.company.ids,
                parent_id=partner.id,
            )

    def test_notice_for_overdue_invoices_only(self):
        self.authenticate("late_portal", "late_portal")
        response = self.url_open("/my")
        self.assertEqual(response.status_code, 200)
        self.assertIn('id="dunning_overdue_notice"', response.text)
        self.assertIn('href="/my/dunning/statement"', response.text)
        self.assertIn("<strong>1</strong> overdue invoice", response.text)
        self.authenticate("ontime_portal", "ontime_portal")
        response = self.url_open("/my")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn('id="dunning_overdue_notice"', response.text)
