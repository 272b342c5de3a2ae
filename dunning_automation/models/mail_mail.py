# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, success_emails, failure_reason=False, failure_type=None
    ):
        """Let the dunning communications follow the delivery of their emails."""
        dunning_mails = self.filtered(
            lambda mail: mail.model == "dunning.communication"
        )
        if dunning_mails:
            communications = self.env["dunning.communication"]
            if failure_type:
                communications._update_from_mails(
                    dunning_mails, "failed", failure_type, failure_reason
                )
            else:
                communications._update_from_mails(dunning_mails, "sent")
        return super()._postprocess_sent_message(
            success_pids,
            success_emails,
            failure_reason=failure_reason,
            failure_type=failure_type,
        )

    def _send(self, *args, **kwargs):
        self.env["dunning.communication"]._withdraw_settled(
            self.filtered(lambda mail: mail.model == "dunning.communication")
        )
        return super()._send(*args, **kwargs)

    @api.ondelete(at_uninstall=False)
    def _unlink_fail_queued_dunning_communications(self):
        """A reminder whose email is deleted before it left is failed, not queued."""
        queued = (
            self.env["dunning.communication"]
            .sudo()
            .search([("mail_id", "in", self.ids), ("state", "=", "queued")])
        )
        queued._set_delivery(
            "failed",
            "mail_deleted",
            self.env._("The email was deleted before it was sent."),
        )
