# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import TransactionCase, tagged


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
        self.assertIn("pays 29 days late on average", late.dunning_risk_reasons)
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

    def test_demo_backtest_with_defaults(self):
        """Dunning > Risk Model Backtest, Run Backtest without changing anything."""
        self._demo("demo_partner_elm")
        wizard = self.env["dunning.risk.backtest"].create({})
        wizard.action_run()
        self.assertFalse(wizard.message)
        self.assertIn("were paid late", wizard.result_html)
        self.assertIn("ROC AUC", wizard.result_html)
