# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _dunning_contracts(self):
        return self.invoice_line_ids.contract_line_id.contract_id

    def _dunning_suspend_service(self):
        """Suspend the contracts these invoices were made from."""
        res = super()._dunning_suspend_service()
        for move in self:
            contracts = move._dunning_contracts().filtered(
                lambda contract: not contract.dunning_suspended
            )
            contracts.dunning_suspended = True
            contracts._message_log_batch(
                {
                    contract.id: Markup("<p>%s</p>")
                    % self.env._(
                        "Suspended: invoice %(invoice)s could not be charged.",
                        invoice=move.name,
                    )
                    for contract in contracts
                }
            )
        return res

    def _dunning_resume_service(self):
        """Resume the contracts of these paid invoices that no other unpaid suspended
        invoice keeps suspended."""
        res = super()._dunning_resume_service()
        contracts = self._dunning_contracts().filtered("dunning_suspended")
        still_suspended = self.search(
            [
                ("dunning_suspended", "=", True),
                ("invoice_line_ids.contract_line_id.contract_id", "in", contracts.ids),
            ]
        )._dunning_contracts()
        resumed = contracts - still_suspended
        resumed.dunning_suspended = False
        resumed._message_log_batch(
            {
                contract.id: Markup("<p>%s</p>")
                % self.env._("Resumed: the unpaid invoices are paid.")
                for contract in resumed
            }
        )
        return res
