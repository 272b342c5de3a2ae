# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class DunningDelivery(models.AbstractModel):
    """Experiments at delivery: a held-out reminder is recorded, sealed and never sent;
    a variant's reminder is written from the variant's template."""

    _inherit = "dunning.delivery"

    @api.model
    def _communication_values(self, run, key, reminder, partners, lines):
        values = super()._communication_values(run, key, reminder, partners, lines)
        level = self.env["dunning.level"].browse(reminder.level_id)
        arm, variant = level._dunning_assign_arm(reminder.decision.partner_id, run.date)
        if arm:
            values["arm"] = arm
        if arm == "holdout":
            values["state"] = "held_out"
        elif variant:
            values["variant_id"] = variant.id
            values["mail_template_id"] = variant.mail_template_id.id
        return values

    @api.model
    def _deliver(self, communications):
        held = communications.filtered(lambda c: c.state == "held_out")
        held._seal()
        return super()._deliver(communications - held)
