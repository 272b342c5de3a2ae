# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _routing_handle_bounce(self, email_message, message_dict):
        """A bounced reminder marks its communication as bounced, with the reason."""
        bounced_message = message_dict.get("bounced_message")
        if bounced_message and bounced_message.model == "dunning.communication":
            communications = (
                self.env["dunning.communication"]
                .sudo()
                .search([("mail_message_id", "=", bounced_message.id)])
            )
            communications._set_delivery(
                "bounced",
                "mail_bounce",
                self.env._(
                    "The email to %(email)s bounced.",
                    email=message_dict.get("bounced_email")
                    or communications[:1].email_to,
                ),
            )
        return super()._routing_handle_bounce(email_message, message_dict)
