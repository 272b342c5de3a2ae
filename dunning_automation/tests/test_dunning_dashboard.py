# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import post_overdue_invoice


@tagged("post_install", "-at_install")
class TestDunningDashboard(HttpCase):
    """The dashboard client action in Chromium, and its data call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.second = cls.company.dunning_policy_id.level_ids.sorted("sequence")[2]

    def test_dashboard_tour(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Aging Customer", "email": "aging@example.com"}
        )
        invoice = post_overdue_invoice(self.env, customer, 45)
        self.second.holdout_percent = 5
        drilled = self.env["dunning.report.kpi"].action_open_aging_bucket("31_60")
        rows = (
            self.env[drilled["res_model"]]
            .with_context(**drilled["context"])
            .search(drilled["domain"])
        )
        self.assertIn(invoice, rows.move_id)
        self.start_tour("/odoo", "dunning_dashboard", login="admin")

    @freeze_time("2026-03-16")
    def test_dashboard_data_empty_company(self):
        """A company without any invoice: empty KPIs, every bucket at zero, no
        traceback (bad input 34)."""
        empty = self.env["res.company"].create({"name": "Empty Dunning Co"})
        data = (
            self.env["dunning.report.kpi"]
            .with_company(empty)
            .with_context(allowed_company_ids=empty.ids)
            .get_dashboard("12m")
        )
        self.assertEqual(data["date_from"], str(date(2025, 4, 1)))
        self.assertEqual(data["date_to"], str(date(2026, 3, 16)), "the month so far")
        self.assertIsNone(data["kpis"]["dso"])
        self.assertEqual({row["amount"] for row in data["aging"]}, {0.0})
        self.assertEqual(len(data["months"]), 12)

    def test_dashboard_overdue_is_the_aging_overdue(self):
        """The headline "Overdue" and the aging chart read the same items: an invoice
        due today is not overdue in either."""
        Kpi = self.env["dunning.report.kpi"]

        def figures():
            data = Kpi.get_dashboard("1m")
            self.assertEqual(data["date_to"], data["report_date"])
            aging = {row["bucket"]: row["amount"] for row in data["aging"]}
            self.assertAlmostEqual(
                data["kpis"]["overdue"],
                sum(amount for bucket, amount in aging.items() if bucket != "not_due"),
            )
            self.assertAlmostEqual(data["kpis"]["current"], aging["not_due"])
            return data["kpis"]["current"], data["kpis"]["overdue"]

        current, overdue = figures()
        customer = self.env["res.partner"].create({"name": "Due Today Customer"})
        post_overdue_invoice(self.env, customer, 0, amount=1000.0)
        post_overdue_invoice(self.env, customer, 10, amount=300.0)
        Kpi.env["dunning.report.aging"].invalidate_model()
        new_current, new_overdue = figures()
        self.assertAlmostEqual(new_current - current, 1000.0)
        self.assertAlmostEqual(new_overdue - overdue, 300.0)
