# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import TransactionCase, tagged

from .. import engine


@tagged("post_install", "-at_install")
class TestDunningDemo(TransactionCase):
    """The demo database shows the risk scores learnt from a year of payment history."""

    def _demo(self, name):
        record = self.env.ref(f"dunning_automation.{name}", raise_if_not_found=False)
        if not record:
            self.skipTest("demo data not installed")
        return record.with_company(self.env.ref("base.main_company"))

    def test_demo_customers_scored_from_their_history(self):
        reliable, late, slow = (
            self._demo(name)
            for name in ("demo_partner_elm", "demo_partner_bolt", "demo_partner_cedar")
        )
        for partner in reliable + late + slow:
            self.assertTrue(partner.dunning_risk_date, partner.name)
            self.assertTrue(partner.dunning_risk_reasons, partner.name)
        self.assertEqual(late.dunning_segment, "chronic_late")
        self.assertEqual(slow.dunning_segment, "slow_but_steady")
        self.assertEqual(reliable.dunning_segment, "reliable")
        self.assertIn("paid 10 of its last 10 invoices late", late.dunning_risk_reasons)
        self.assertGreater(late.dunning_priority, slow.dunning_priority)

    def test_demo_bands_follow_payment_behaviour(self):
        """The reliable customer has an overdue invoice too: its band says how it pays,
        its priority how overdue it is."""
        reliable, late, slow = (
            self._demo(name)
            for name in ("demo_partner_elm", "demo_partner_bolt", "demo_partner_cedar")
        )
        self.assertTrue(
            reliable.dunning_amount_overdue,
            "the demo's reliable customer has something overdue",
        )
        bands = ["low", "medium", "high", "critical"]
        self.assertLess(
            bands.index(reliable.dunning_risk_band), bands.index(late.dunning_risk_band)
        )
        self.assertLess(reliable.dunning_risk_score, slow.dunning_risk_score)
        self.assertLess(slow.dunning_risk_score, late.dunning_risk_score)
        self.assertNotEqual(reliable.dunning_risk_band, "critical")
        self.assertGreater(reliable.dunning_priority, 0, "on the worklist all the same")
        history = [
            self._demo(f"demo_partner_{name}")
            for name in ("acme", "bolt", "cedar", "dune", "elm")
        ]
        self.assertGreaterEqual(
            len({partner.dunning_risk_band for partner in history}),
            3,
            "the bands separate the customers with a payment history",
        )

    def test_demo_band_of_each_customer(self):
        """Each demo customer's band says how it pays, whatever is overdue today.

        Elm always pays early and Acme Retail paid 1 of 12 invoices late, by a day
        (both have invoices overdue today); Bolt pays a month late, Cedar 7 of 11 late.
        A customer without any paid invoice reads the portfolio average, never
        critical for lack of history.
        """
        bands = ["low", "medium", "high", "critical"]
        expected = {
            "elm": ("low", "medium"),
            "acme": ("low", "medium"),
            "dune": ("low", "medium", "high"),
            "cedar": ("high", "critical"),
            "bolt": ("high", "critical"),
        }
        for name, allowed in expected.items():
            partner = self._demo(f"demo_partner_{name}")
            self.assertIn(partner.dunning_risk_band, allowed, partner.name)
        acme = self._demo("demo_partner_acme")
        self.assertTrue(acme.dunning_amount_overdue, "Acme Retail is overdue today")
        self.assertEqual(acme.dunning_segment, "reliable")
        company = self.env.ref("base.main_company")
        scored = (
            self.env["res.partner"]
            .with_company(company)
            .search([("dunning_risk_date", "!=", False)])
        )
        paid = self.env["account.move"]._read_group(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", engine.PAID_PAYMENT_STATES),
            ],
            ["commercial_partner_id"],
        )
        without_history = scored - self.env["res.partner"].union(
            *(partner for (partner,) in paid)
        )
        self.assertTrue(without_history, "the demo has customers at the first stage")
        for partner in without_history:
            self.assertIn(
                "no payment history yet: portfolio average",
                partner.dunning_risk_reasons,
                partner.name,
            )
            self.assertLess(
                bands.index(partner.dunning_risk_band),
                bands.index("critical"),
                partner.name,
            )
            self.assertLess(
                partner.dunning_risk_score,
                self._demo("demo_partner_bolt").dunning_risk_score,
            )

    def test_demo_backtest_with_defaults(self):
        """Dunning > Risk Model Backtest, Run Backtest without changing anything."""
        self._demo("demo_partner_elm")
        wizard = self.env["dunning.risk.backtest"].create({})
        wizard.action_run()
        self.assertFalse(wizard.message)
        self.assertIn("were paid late", wizard.result_html)
        self.assertIn("ROC AUC", wizard.result_html)
