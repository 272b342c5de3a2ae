# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ContractContract(models.Model):
    _inherit = "contract.contract"

    dunning_suspended = fields.Boolean(
        string="Suspended for Non-Payment",
        readonly=True,
        copy=False,
        tracking=True,
        help="An invoice of this contract could not be charged: the contract is not "
        "invoiced again until that invoice is paid.",
    )

    @api.model
    def _get_contracts_to_invoice_domain(self, date_ref=None):
        """A suspended contract is not invoiced: its service is stopped."""
        return super()._get_contracts_to_invoice_domain(date_ref=date_ref) & (
            fields.Domain("dunning_suspended", "=", False)
        )
