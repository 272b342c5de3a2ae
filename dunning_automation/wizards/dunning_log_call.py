# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.dunning_communication import CALL_OUTCOMES

# Unanswered calls in a row after which the customer's dunning responsible steps in.
MAX_UNANSWERED_CALLS = 3
UNANSWERED = ("no_answer", "voicemail")


class DunningLogCall(models.TransientModel):
    """What came of a dunning call, fed back into dunning: a promise pauses it, a
    dispute opens one, unanswered calls escalate, a wrong number is cleared."""

    _name = "dunning.log.call"
    _description = "Log a Dunning Call"

    communication_id = fields.Many2one(
        "dunning.communication",
        required=True,
        domain="[('channel', '=', 'call'), ('state', '=', 'queued')]",
    )
    partner_id = fields.Many2one(related="communication_id.partner_id")
    phone = fields.Char(related="communication_id.recipient", string="Phone")
    call_script = fields.Text(related="communication_id.level_id.call_script")
    outcome = fields.Selection(
        CALL_OUTCOMES,
        required=True,
        default="reached",
    )
    promise_date = fields.Date(string="Promised Payment Date")
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "dunning.communication":
            values.setdefault("communication_id", self.env.context.get("active_id"))
        return values

    def action_log(self):
        """Record the outcome on the communication and act on it."""
        self.ensure_one()
        communication = self.communication_id.sudo()
        if communication.channel != "call" or communication.state != "queued":
            raise UserError(self.env._("This call was already logged."))
        getattr(self, f"_apply_{self.outcome}", self._apply_reached)(communication)
        state, failure_type = {
            "no_answer": ("failed", "call_no_answer"),
            "voicemail": ("failed", "call_no_answer"),
            "wrong_number": ("failed", "call_wrong_number"),
        }.get(self.outcome, ("sent", False))
        communication._set_delivery(
            state, failure_type, self.note or False, outcome=self.outcome
        )
        if communication.call_activity_id:
            communication.call_activity_id.action_feedback(
                feedback=self._outcome_text()
            )
        if self.outcome in UNANSWERED:
            self._escalate_unanswered(communication)
        return {"type": "ir.actions.act_window_close"}

    def _outcome_text(self):
        labels = dict(self._fields["outcome"]._description_selection(self.env))
        return " — ".join(filter(None, [labels[self.outcome], self.note]))

    def _apply_reached(self, communication):
        communication.move_ids._message_log_batch(
            {
                move.id: Markup("<p>%s</p>")
                % self.env._("Dunning call: %(outcome)s", outcome=self._outcome_text())
                for move in communication.move_ids
            }
        )

    def _apply_promise(self, communication):
        if not self.promise_date:
            raise UserError(self.env._("Please enter the promised payment date."))
        policy = communication.policy_id
        self.env["dunning.promise"]._check_promise_date(policy, self.promise_date)
        communication.move_ids._dunning_pause(
            self.promise_date + timedelta(days=policy.promise_grace_days),
            "promise",
            Markup("<p>%s</p>")
            % self.env._(
                "Promised on a dunning call to pay by %(date)s.",
                date=fields.Date.to_string(self.promise_date),
            ),
        )

    def _apply_dispute(self, communication):
        if not self.note:
            raise UserError(self.env._("Please write down what the customer disputes."))
        invoice = communication.move_ids.filtered(
            lambda move: move.move_type == "out_invoice"
        )[:1]
        if not invoice:
            raise UserError(self.env._("This call lists no invoice to dispute."))
        dispute = (
            self.env["dunning.dispute"]
            .sudo()
            .create(
                {
                    "company_id": communication.company_id.id,
                    "partner_id": communication.partner_id.id,
                    "move_id": invoice.id,
                    "reason": "other",
                    "message": self.note,
                }
            )
        )
        dispute._apply()

    def _apply_wrong_number(self, communication):
        contact = communication.recipient_id
        contact.message_post(
            body=self.env._(
                "Dunning call: %(number)s is a wrong number; removed.",
                number=contact.phone,
            )
        )
        contact.phone = False

    def _escalate_unanswered(self, communication):
        """After MAX_UNANSWERED_CALLS unanswered calls in a row, ask the dunning
        responsible to take over."""
        last_calls = (
            self.env["dunning.communication"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", communication.partner_id.id),
                    ("channel", "=", "call"),
                    ("outcome", "!=", False),
                ],
                order="id desc",
                limit=MAX_UNANSWERED_CALLS,
            )
        )
        if len(last_calls) < MAX_UNANSWERED_CALLS or any(
            outcome not in UNANSWERED for outcome in last_calls.mapped("outcome")
        ):
            return
        partner = communication.partner_id.with_company(communication.company_id)
        partner.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=self.env._(
                "Escalate: %(count)s dunning calls unanswered", count=len(last_calls)
            ),
            user_id=(
                communication.company_id.dunning_responsible_id
                or partner._dunning_collector()
            ).id,
        )
