# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import time
from datetime import timedelta
from urllib.parse import urlencode

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import DunningCommon

_logger = logging.getLogger(__name__)

INVOICES = 1000
ROUNDS = 5


@tagged("post_install", "-at_install", "-standard", "dunning_portal_bench")
class TestDunningPortalBench(DunningCommon, HttpCase):
    """Not part of the suite: ``--test-tags dunning_portal_bench`` logs how long the statement
    of a customer with 1,000 open invoices takes to serve."""

    def test_statement_1000_invoices(self):
        today = fields.Date.today()
        invoices = self.env["account.move"].create([
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": today - timedelta(days=30 + index % 90),
                "invoice_date_due": today - timedelta(days=index % 90) + timedelta(days=10),
                "invoice_line_ids": [Command.create({"name": "Service", "price_unit": 100.0 + index, "tax_ids": []})],
            }
            for index in range(INVOICES)
        ])
        invoices.action_post()
        url = f"/my/dunning/statement?{urlencode(self.customer._dunning_statement_query(self.company, today))}"
        self.authenticate(None, None)
        self.assertEqual(self.url_open(url).status_code, 200)  # warm-up: access tokens, caches
        timings = []
        for _round in range(ROUNDS):
            start = time.perf_counter()
            response = self.url_open(url)
            timings.append(time.perf_counter() - start)
            self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count('name="move_ids"'), INVOICES)
        _logger.info(
            "Statement of %s open invoices: best %.0f ms, median %.0f ms over %s requests",
            INVOICES, min(timings) * 1000, sorted(timings)[ROUNDS // 2] * 1000, ROUNDS,
        )
