# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, success_emails, failure_reason=False, failure_type=None):
        """Let the dunning communications follow the delivery of their emails."""
        dunning_mails = self.filtered(lambda mail: mail.model == "dunning.communication")
        if dunning_mails:
            communications = self.env["dunning.communication"]
            if failure_type:
                communications._update_from_mails(dunning_mails, "failed", failure_type, failure_reason)
            else:
                communications._update_from_mails(dunning_mails, "sent")
        return super()._postprocess_sent_message(
            success_pids, success_emails, failure_reason=failure_reason, failure_type=failure_type
        )
