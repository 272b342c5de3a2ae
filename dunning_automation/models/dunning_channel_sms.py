# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

import phonenumbers

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from odoo.addons.phone_validation.tools.phone_validation import phone_parse

from .sms_template import sms_segments

MOBILE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def e164(parsed):
    """The E.164 form of a parsed number: +32470123456."""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class DunningDelivery(models.AbstractModel):
    """SMS reminders through Odoo's ``sms`` queue: the number normalised to E.164 from
    the customer's country, refused when invalid, not a mobile or blacklisted, and the
    delivery followed through the SMS tracker."""

    _inherit = "dunning.delivery"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _failure_labels(self):
        return {
            **super()._failure_labels(),
            "sms_number_missing": self.env._("The contact has no phone number."),
            "sms_number_format": self.env._("The contact's phone number is invalid."),
            "sms_not_mobile": self.env._(
                "The contact's phone number is not a mobile number."
            ),
            "sms_blacklist": self.env._("The contact's phone number is blacklisted."),
            "sms_optout": self.env._("The contact opted out of SMS."),
            "sms_body_empty": self.env._("The SMS template wrote an empty message."),
            "sms_template_error": self.env._(
                "The SMS could not be written from its template."
            ),
            "sms_credit": self.env._("The SMS account has no credit left."),
            "sms_server": self.env._("The SMS provider could not be reached."),
            "sms_acc": self.env._("The SMS account is not registered."),
            "sms_country_not_supported": self.env._(
                "The SMS provider does not serve the number's country."
            ),
            "sms_registration_needed": self.env._(
                "The number's country requires a registered sender."
            ),
            "sms_expired": self.env._("The SMS expired before it reached the phone."),
            "sms_not_delivered": self.env._("The SMS was not delivered."),
            "sms_invalid_destination": self.env._(
                "The operator does not know the number."
            ),
            "sms_not_allowed": self.env._("The operator refused the SMS."),
            "sms_rejected": self.env._("The operator rejected the SMS."),
            "sms_unknown": self.env._("The SMS provider did not accept the SMS."),
        }

    @api.model
    def _parse_phone(self, contact):
        """(parsed number, None), or (None, (failure type, message)): the number is
        parsed in the contact's country (else its company's, else the current
        company's), as ``phone_validation`` does."""
        if not contact.phone:
            return None, (
                "sms_number_missing",
                self.env._(
                    "The contact %(contact)s has no phone number.",
                    contact=contact.display_name,
                ),
            )
        country = (
            contact.country_id
            or contact.commercial_partner_id.country_id
            or self.env.company.country_id
        )
        try:
            return phone_parse(contact.phone, country.code), None
        except UserError as error:
            return None, ("sms_number_format", str(error.args[0]))

    @api.model
    def _sms_number(self, contact):
        """(E.164 number, None), or (None, (failure type, message)) when no SMS can
        reach ``contact``: no number, an invalid one, or not a mobile."""
        parsed, problem = self._parse_phone(contact)
        if problem:
            return None, problem
        if phonenumbers.number_type(parsed) not in MOBILE_TYPES:
            return None, (
                "sms_not_mobile",
                self.env._(
                    "The number %(number)s is not a mobile number.",
                    number=contact.phone,
                ),
            )
        return e164(parsed), None

    @api.model
    def _recipient_sms(self, contact):
        number, _problem = self._sms_number(contact)
        return number or contact.phone or False

    @api.model
    def _sms_problems(self, communications):
        """{communication: (failure type, message)} for those no SMS can reach."""
        problems = {}
        numbers = {}
        for communication in communications:
            number, problem = self._sms_number(communication.recipient_id)
            if problem:
                problems[communication] = problem
            else:
                numbers[communication] = number
        blacklisted = set(
            self.env["phone.blacklist"]
            .sudo()
            .search([("number", "in", list(set(numbers.values())))])
            .mapped("number")
        )
        for communication, number in numbers.items():
            if number in blacklisted:
                problems[communication] = (
                    "sms_blacklist",
                    self.env._("The number %(number)s is blacklisted.", number=number),
                )
        return problems

    @api.model
    def _sms_bodies(self, communications):
        """{communication: rendered body or (failure type, message)}, one rendering
        per template."""
        bodies = {}
        for template, grouped in communications.grouped(
            lambda communication: communication.level_id.sms_template_id
        ).items():
            try:
                rendered = template._render_field(
                    "body", grouped.ids, compute_lang=True
                )
            except UserError as error:
                bodies.update(
                    dict.fromkeys(grouped, ("sms_template_error", str(error)))
                )
                continue
            for communication in grouped:
                body = (rendered.get(communication.id) or "").strip()
                bodies[communication] = body or (
                    "sms_body_empty",
                    self.env._(
                        "The SMS template %(template)s wrote an empty message.",
                        template=template.name,
                    ),
                )
        return bodies

    @api.model
    def _deliver_sms(self, communications):
        """Queue the SMS (the SMS queue sends them later) and seal the records."""
        failures = defaultdict(list)  # (failure type, reason) -> communications
        problems = self._sms_problems(communications)
        sendable = communications.filtered(lambda c: c not in problems)
        for communication, problem in problems.items():
            failures[problem].append(communication)
        bodies = self._sms_bodies(sendable)
        queued = []
        for communication in sendable:
            body = bodies[communication]
            if isinstance(body, tuple):
                failures[body].append(communication)
            else:
                queued.append((communication, body))
        sms_records = (
            self.env["sms.sms"]
            .sudo()
            .create(
                [
                    {
                        "number": communication.recipient,
                        "body": body,
                        "partner_id": communication.recipient_id.id,
                    }
                    for communication, body in queued
                ]
            )
        )
        self.env["sms.tracker"].sudo().create(
            [
                {"sms_uuid": sms.uuid, "dunning_communication_id": communication.id}
                for (communication, _body), sms in zip(queued, sms_records, strict=True)
            ]
        )
        communications._seal(
            {
                communication.id: {"body_html": plaintext2html(body)}
                for communication, body in queued
            }
        )
        by_segments = defaultdict(list)
        for communication, body in queued:
            by_segments[sms_segments(body)].append(communication.id)
        for segments, ids in by_segments.items():
            communications.browse(ids).write({"cost_units": segments})
        self._record_failures(failures)
