# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

# What an SMS state means for its dunning communication: (delivery state, outcome).
DELIVERY_OF_SMS_STATE = {
    "pending": ("sent", "sent"),
    "sent": ("sent", "delivered"),
    "error": ("failed", "error"),
    "bounce": ("bounced", "bounced"),
}


class SmsTracker(models.Model):
    _inherit = "sms.tracker"

    dunning_communication_id = fields.Many2one(
        "dunning.communication", index="btree_not_null", ondelete="cascade"
    )

    def _action_update_from_sms_state(
        self, sms_state, failure_type=False, failure_reason=False
    ):
        self._dunning_update(sms_state, failure_type, failure_reason)
        return super()._action_update_from_sms_state(
            sms_state, failure_type=failure_type, failure_reason=failure_reason
        )

    def _action_update_from_provider_error(self, provider_error):
        result = super()._action_update_from_provider_error(provider_error)
        error_status, failure_type, failure_reason = result
        self._dunning_update(error_status or "error", failure_type, failure_reason)
        return result

    def _dunning_update(self, sms_state, failure_type, failure_reason):
        """Let the dunning communications follow their SMS (sent, delivered, error)."""
        delivery = DELIVERY_OF_SMS_STATE.get(sms_state)
        communications = self.dunning_communication_id.filtered(
            lambda communication: communication.state != "bounced"
        )
        if not delivery or not communications:
            return
        state, outcome = delivery
        if state == "sent":
            failure_type = failure_reason = False
        elif failure_type in (False, "unknown"):
            # "unknown" would read as an email failure, and be retried as one
            failure_type = "sms_unknown"
        communications._set_delivery(
            state, failure_type, failure_reason, outcome=outcome
        )
