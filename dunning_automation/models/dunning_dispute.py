# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import os
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import plaintext2html
from odoo.tools.mimetypes import guess_mimetype

MAX_MESSAGE_LENGTH = 10_000
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
# extension -> mimetype the content must have
ALLOWED_ATTACHMENTS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
# Dunning stays paused this long, or until an accountant resolves the dispute.
DISPUTE_PAUSE_DAYS = 90


class DunningDispute(models.Model):
    """A customer contests an invoice: its dunning pauses until it is resolved."""

    _name = "dunning.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(related="move_id.name", string="Invoice Number")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, readonly=True
    )
    reason = fields.Selection(
        [
            ("wrong_amount", "Wrong amount"),
            ("not_received", "Goods or services not received"),
            ("already_paid", "Already paid"),
            ("other", "Other"),
        ],
        required=True,
        readonly=True,
    )
    message = fields.Text(required=True, readonly=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("accepted", "Accepted"), ("rejected", "Rejected")],
        default="open",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    reply = fields.Text(help="Sent to the customer when the dispute is rejected.")
    credit_note_id = fields.Many2one(
        "account.move",
        readonly=True,
        copy=False,
        help="The credit note that settled the dispute when it was accepted.",
    )

    # ------------------------------------------------------------------
    # CREATION FROM THE PORTAL
    # ------------------------------------------------------------------

    @api.model
    def _check_attachment(self, filename, content):
        extension = os.path.splitext(filename or "")[1].lower()
        if (
            extension not in ALLOWED_ATTACHMENTS
            or guess_mimetype(content) != ALLOWED_ATTACHMENTS[extension]
        ):
            raise UserError(self.env._("Only PDF, PNG and JPEG files can be attached."))
        if len(content) > MAX_ATTACHMENT_SIZE:
            raise UserError(
                self.env._(
                    "The attachment cannot exceed %(size)s MB.",
                    size=MAX_ATTACHMENT_SIZE // 2**20,
                )
            )

    @api.model
    def _portal_create(self, company, partner, move_id, reason, message, upload=None):
        """Record a dispute made on the portal, pause the invoice's dunning and tell the
        collector.

        :param upload: (file name, content) of the optional attachment
        :raise MissingError: the invoice is not an open invoice of this customer at this
            company
        :raise UserError: the request breaks a rule (reason, text, attachment, limits),
            with the reason
        """
        move = partner._dunning_open_invoices(company, [("id", "=", move_id)])
        if not move:
            raise MissingError(self.env._("This invoice does not exist."))
        partner._dunning_check_portal_rate_limit()
        if reason not in dict(self._fields["reason"].selection):
            raise UserError(self.env._("Please choose a reason."))
        message = (message or "").strip()
        if not message:
            raise UserError(
                self.env._("Please tell us what is wrong with this invoice.")
            )
        if len(message) > MAX_MESSAGE_LENGTH:
            raise UserError(
                self.env._(
                    "The message cannot exceed %(count)s characters.",
                    count=MAX_MESSAGE_LENGTH,
                )
            )
        if move._dunning_portal_status(fields.Date.context_today(self)) == "disputed":
            raise UserError(self.env._("This invoice is already disputed."))
        if upload:
            self._check_attachment(*upload)
        # no "created" note by the public user: the customer's own note follows
        dispute = self.with_context(mail_create_nolog=True).create(
            {
                "company_id": company.id,
                "partner_id": partner.id,
                "move_id": move.id,
                "reason": reason,
                "message": message,
            }
        )
        if upload:
            dispute.attachment_id = self.env["ir.attachment"].create(
                {
                    "name": upload[0],
                    "raw": upload[1],
                    "res_model": self._name,
                    "res_id": dispute.id,
                }
            )
        dispute._apply()
        return dispute

    def _apply(self):
        """Pause the invoice, note the dispute, give the collector an activity."""
        self.ensure_one()
        body = Markup("<p>%s</p>") % self.env._(
            "Disputed by the customer: %(reason)s.", reason=self._reason_label()
        )
        body += plaintext2html(self.message)
        self.move_id._dunning_pause(
            fields.Date.context_today(self) + timedelta(days=DISPUTE_PAUSE_DAYS),
            "dispute",
            body,
            author=self.partner_id,
            attachments=self.attachment_id,
        )
        self.message_post(
            body=body, subtype_xmlid="mail.mt_note", author_id=self.partner_id.id
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=self.env._(
                "Resolve the dispute on %(invoice)s", invoice=self.move_id.name
            ),
            user_id=self.partner_id.with_company(self.company_id)
            ._dunning_collector(self.move_id)
            .id,
        )

    # ------------------------------------------------------------------
    # RESOLUTION
    # ------------------------------------------------------------------

    def _check_open(self):
        if self.filtered(lambda dispute: dispute.state != "open"):
            raise UserError(self.env._("This dispute is already resolved."))

    def _reason_label(self):
        self.ensure_one()
        return dict(self._fields["reason"]._description_selection(self.env))[
            self.reason
        ]

    def action_accept(self):
        """The customer is right: credit the whole invoice, an amount or some lines."""
        self.ensure_one()
        self._check_open()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Note"),
            "res_model": "dunning.dispute.credit",
            "view_mode": "form",
            "target": "new",
            "context": {"default_dispute_id": self.id},
        }

    def _accept(self, credit_note):
        """Close the dispute settled by ``credit_note``: dunning resumes on the rest."""
        self.ensure_one()
        self.write({"state": "accepted", "credit_note_id": credit_note.id})
        self.activity_ids.action_feedback(feedback=self.env._("Dispute accepted"))
        if self.move_id.dunning_pause_reason == "dispute":
            self.move_id.action_dunning_resume()
        body = self.env._(
            "Accepted: credit note %(credit_note)s.",
            credit_note=credit_note.display_name,
        )
        self.message_post(body=Markup("<p>%s</p>") % body, subtype_xmlid="mail.mt_note")

    def action_reject(self):
        """The invoice stands: resume its dunning and send the reply to the customer."""
        self.ensure_one()
        self._check_open()
        if not (self.reply or "").strip():
            raise UserError(
                self.env._(
                    "Write the reply to the customer before rejecting the dispute."
                )
            )
        self.state = "rejected"
        self.activity_ids.action_feedback(feedback=self.env._("Dispute rejected"))
        if self.move_id.dunning_pause_reason == "dispute":
            self.move_id.action_dunning_resume()
        self.move_id.message_post(
            body=plaintext2html(self.reply),
            partner_ids=self.move_id.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
