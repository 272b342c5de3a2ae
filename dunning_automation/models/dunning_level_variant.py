# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class DunningLevelVariant(models.Model):
    """A template variant of a level in an A/B test: customers are split between the
    running variants by weight, deterministically per customer and period."""

    _name = "dunning.level.variant"
    _description = "Dunning Level Variant"
    _order = "level_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    level_id = fields.Many2one(
        "dunning.level", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="level_id.company_id", store=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        required=True,
        domain="[('model', '=', 'dunning.communication')]",
        ondelete="restrict",
    )
    weight = fields.Integer(
        default=1,
        help="Share of the customers this variant gets, relative to the others.",
    )
    state = fields.Selection(
        [("running", "Running"), ("stopped", "Stopped")],
        default="running",
        required=True,
    )
    stop_reason = fields.Text(readonly=True)
    message_count = fields.Integer(string="Messages", compute="_compute_results")
    paid_14_rate = fields.Float(
        string="Paid in 14 Days", compute="_compute_results", digits=(16, 3)
    )

    _weight_positive = models.Constraint(
        "CHECK(weight >= 0)", "A variant's weight cannot be negative."
    )

    @api.depends("level_id")
    def _compute_results(self):
        groups = {
            variant: (count, rate)
            for variant, count, rate in self.env["dunning.report.effectiveness"]
            .sudo()
            ._read_group(
                [("variant_id", "in", self.ids), ("arm", "=", "treatment")],
                groupby=["variant_id"],
                aggregates=["__count", "paid_14:avg"],
            )
        }
        for variant in self:
            variant.message_count, variant.paid_14_rate = groups.get(variant, (0, 0.0))
