# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime

from odoo.tests import BaseCase, tagged

from .. import payment_retry as pr


@tagged("post_install", "-at_install")
class TestPaymentRetry(BaseCase):
    """The decline classifier and the retry schedule (plain Python)."""

    def test_classify(self):
        cases = [
            ("error", "Insufficient funds", pr.REASON_INSUFFICIENT_FUNDS),
            ("error", "Do not honor: card reported STOLEN", pr.REASON_STOLEN),
            ("error", "Your card has expired.", pr.REASON_EXPIRED),
            ("error", "Account closed", pr.REASON_CLOSED),
            (
                "error",
                "Gateway timeout, try again later",
                pr.REASON_PROVIDER_UNAVAILABLE,
            ),
            ("error", "Card declined", pr.REASON_DECLINED),
            (
                "error",
                "You selected the following demo payment status: error",
                "processing_error",
            ),
            ("cancel", None, pr.REASON_DECLINED),
            ("error", "", pr.REASON_PROCESSING_ERROR),
        ]
        for state, message, reason in cases:
            self.assertEqual(pr.classify(state, message), reason, message)
        self.assertEqual(
            pr.classify("error", "Insufficient funds", token_usable=False),
            pr.REASON_NO_TOKEN,
        )
        self.assertTrue(pr.is_retryable(pr.REASON_INSUFFICIENT_FUNDS))
        self.assertFalse(pr.is_retryable(pr.REASON_STOLEN))

    def test_schedule(self):
        first = datetime(2026, 3, 16, 9, 12)
        days = pr.parse_retry_days(" 1, 3,5 ,7")
        self.assertEqual(days, (1, 3, 5, 7))
        self.assertEqual(pr.next_retry(first, 1, days, 15), datetime(2026, 3, 17, 15))
        self.assertEqual(pr.next_retry(first, 4, days, 15), datetime(2026, 3, 23, 15))
        self.assertIsNone(pr.next_retry(first, 5, days, 15))
        for bad in ("", "0", "3,2", "1,1"):
            with self.assertRaises(ValueError):
                pr.parse_retry_days(bad)

    def test_usual_hour(self):
        self.assertEqual(pr.usual_hour([]), pr.DEFAULT_RETRY_HOUR)
        self.assertEqual(pr.usual_hour([14, 9, 14, 9, 20]), 9, "earliest of a tie")
        self.assertEqual(pr.usual_hour({18: 3, 7: 1}), 18)
