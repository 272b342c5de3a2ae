# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.tools import plaintext2html

from .dunning_channel_sms import e164


class DunningDelivery(models.AbstractModel):
    """Call reminders: a "Dunning call" activity for the customer's collector, with the
    level's call script; the communication stays queued until the call is logged."""

    _inherit = "dunning.delivery"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _failure_labels(self):
        return {
            **super()._failure_labels(),
            "call_number_missing": self.env._("The contact has no phone number."),
            "call_number_format": self.env._("The contact's phone number is invalid."),
            "call_no_answer": self.env._("Nobody answered the call."),
            "call_wrong_number": self.env._("The phone number was wrong."),
        }

    @api.model
    def _call_number(self, contact):
        """(E.164 number, None), or (None, (failure type, message)): a landline will
        do for a call."""
        parsed, problem = self._parse_phone(contact)
        if problem:
            failure_type = {"sms_number_missing": "call_number_missing"}.get(
                problem[0], "call_number_format"
            )
            return None, (failure_type, problem[1])
        return e164(parsed), None

    @api.model
    def _recipient_call(self, contact):
        number, _problem = self._call_number(contact)
        return number or contact.phone or False

    @api.model
    def _deliver_call(self, communications):
        """Schedule the collectors' calls and seal the records with the call script."""
        failures = defaultdict(list)
        callable_ = communications.browse()
        for communication in communications:
            _number, problem = self._call_number(communication.recipient_id)
            if problem:
                failures[problem].append(communication.id)
            else:
                callable_ |= communication
        activity_type = self.env.ref(
            "dunning_automation.mail_activity_type_dunning_call"
        )
        model_id = self.env["ir.model"]._get_id("res.partner")
        activities = (
            self.env["mail.activity"]
            .sudo()
            .create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": communication.partner_id.id,
                        "activity_type_id": activity_type.id,
                        "summary": self.env._(
                            "Call %(number)s: %(level)s",
                            number=communication.recipient,
                            level=communication.level_id.name,
                        ),
                        "note": plaintext2html(
                            communication.level_id.call_script or ""
                        ),
                        "date_deadline": communication.dunning_date,
                        "user_id": communication.partner_id.with_company(
                            communication.company_id
                        )
                        ._dunning_collector(communication.move_ids)
                        .id,
                    }
                    for communication in callable_
                ]
            )
        )
        communications._seal(
            {
                communication.id: {
                    "body_html": plaintext2html(communication.level_id.call_script)
                    if communication.level_id.call_script
                    else Markup(),
                    "call_activity_id": activity.id,
                }
                for communication, activity in zip(callable_, activities, strict=True)
            }
        )
        callable_.write({"cost_units": 1})
        for (failure_type, reason), ids in failures.items():
            communications.browse(ids)._set_delivery(
                "failed", failure_type, reason, log_on_invoices=False
            )
