# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import api, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

DUNNING_EMAIL_LAYOUT = "mail.mail_notification_light"


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.constrains("active")
    def _check_dunning_level_templates_active(self):
        archived = self.filtered(lambda template: not template.active)
        levels = self.env["dunning.level"].sudo().search([("mail_template_id", "in", archived.ids)], limit=1)
        if levels:
            raise ValidationError(
                self.env._(
                    "The template %(template)s is used by the dunning level %(level)s: it cannot be archived.",
                    template=levels.mail_template_id.name, level=levels.display_name,
                )
            )

    def _dunning_queue(self, communications):
        """Queue one email per dunning communication, rendered in the customer's language.

        Rendering is done in one batch; when it fails, each communication is rendered on its own
        so that one broken template field fails only the reminders it breaks.

        :return: list of (communication, mail.mail or None, error message or None)
        """
        self.ensure_one()
        template = self.sudo()
        try:
            with self.env.cr.savepoint():
                mails = template.send_mail_batch(communications.ids, email_layout_xmlid=DUNNING_EMAIL_LAYOUT)
            mail_by_res_id = {mail.res_id: mail for mail in mails}
            return [(communication, mail_by_res_id[communication.id], None) for communication in communications]
        except Exception:  # noqa: BLE001 - render one by one to isolate the records it fails on
            _logger.info("Dunning template %s failed on a batch, rendering one by one", self.id)
        results = []
        for communication in communications:
            try:
                with self.env.cr.savepoint():
                    mail = template.send_mail_batch(communication.ids, email_layout_xmlid=DUNNING_EMAIL_LAYOUT)
                results.append((communication, mail, None))
            except Exception as error:  # noqa: BLE001 - recorded on the communication, others go on
                _logger.warning("Dunning template %s failed on %s: %s", self.id, communication.id, error)
                results.append(
                    (communication, None, self.env._("The email could not be rendered: %(error)s", error=error))
                )
        return results
