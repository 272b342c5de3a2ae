# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import BaseCase, tagged

from odoo.addons.dunning_automation.analytics import kpi


@tagged("post_install", "-at_install")
class TestAnalyticsKpi(BaseCase):
    """The KPI formulas on the hand-computed three-month ledger of
    ``test_dunning_report`` (company currency):

    ====  ==========  ======  ===========  ===================================
    inv   issued      amount  due          paid
    ====  ==========  ======  ===========  ===================================
    INV0  2025-12-01     500  2025-12-31   2026-01-15
    INV1  2026-01-10    1000  2026-02-09   2026-02-20
    INV2  2026-01-20    2000  2026-02-19   500 on 2026-03-10, 1500 open
    INV3  2026-02-15    1500  2026-03-17   open
    INV4  2026-03-05    3000  2026-04-04   open
    INV5  2026-03-20    1000  2026-04-19   open
    ====  ==========  ======  ===========  ===================================

    Receivables at the month ends: Dec 500, Jan 3000, Feb 3500, Mar 7000; not yet
    due: Dec 0, Jan 3000, Feb 1500, Mar 4000; sales: Jan 3000, Feb 1500, Mar 4000.
    """

    def test_dso_quarter(self):
        # 7000 / 8500 x 90 days
        self.assertAlmostEqual(kpi.dso(7000, 8500, 90), 74.1176, places=4)
        self.assertAlmostEqual(kpi.best_possible_dso(4000, 8500, 90), 42.3529, places=4)
        self.assertAlmostEqual(
            kpi.average_days_delinquent(7000, 4000, 8500, 90), 31.7647, places=4
        )

    def test_dso_month(self):
        self.assertAlmostEqual(kpi.dso(7000, 4000, 31), 54.25)
        self.assertAlmostEqual(kpi.best_possible_dso(4000, 4000, 31), 31.0)
        self.assertAlmostEqual(kpi.average_days_delinquent(7000, 4000, 4000, 31), 23.25)

    def test_countback(self):
        # March absorbs 4000 (31 days), February 1500 (28), January half of 3000
        months = [(31, 4000), (28, 1500), (31, 3000), (31, 0)]
        self.assertAlmostEqual(kpi.countback_dso(7000, months), 74.5)
        self.assertEqual(kpi.countback_dso(0, months), 0.0)
        # more owed than ever sold in the history given: no answer, not a guess
        self.assertIsNone(kpi.countback_dso(99999, months))

    def test_cei_per_month(self):
        self.assertAlmostEqual(kpi.cei(500, 3000, 3000, 3000), 100.0)
        self.assertAlmostEqual(kpi.cei(3000, 1500, 3500, 1500), 100 / 3)
        self.assertAlmostEqual(kpi.cei(3500, 4000, 7000, 4000), 100 / 7)

    def test_no_data(self):
        """A period without sales has no DSO (bad input 34: never a division by 0)."""
        self.assertIsNone(kpi.dso(100, 0, 30))
        self.assertIsNone(kpi.average_days_delinquent(100, 0, 0, 30))
        self.assertIsNone(kpi.cei(0, 0, 0, 0))

    def test_aging_buckets(self):
        self.assertEqual(
            [kpi.aging_bucket(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 400)],
            [
                "not_due",
                "not_due",
                "1_30",
                "1_30",
                "31_60",
                "31_60",
                "61_90",
                "61_90",
                "90_plus",
                "90_plus",
            ],
        )
        # on 2026-03-31: INV2 40 days late, INV3 14, INV4 and INV5 not due
        self.assertEqual(
            kpi.aging([(40, 1500), (14, 1500), (0, 3000), (0, 1000)]),
            {
                "not_due": 4000,
                "1_30": 1500,
                "31_60": 1500,
                "61_90": 0.0,
                "90_plus": 0.0,
            },
        )
