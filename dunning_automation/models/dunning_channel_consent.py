# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from collections import Counter, defaultdict
from datetime import timedelta

from odoo import api, models

from .dunning_communication import LIVE_STATES

_logger = logging.getLogger(__name__)

# What a customer answers to an SMS to stop them (case and spaces ignored).
STOP_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "STOP SMS", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET"}
)


class DunningDelivery(models.AbstractModel):
    """The customer's say: its channel opt-outs, and the policy's frequency cap across
    channels and levels, checked before any channel delivers."""

    _inherit = "dunning.delivery"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _failure_labels(self):
        return {
            **super()._failure_labels(),
            "letter_optout": self.env._("The customer opted out of letters."),
            "call_optout": self.env._("The customer opted out of phone calls."),
            "frequency_cap": self.env._(
                "The customer already got the most reminders its policy allows in the "
                "period."
            ),
        }

    @api.model
    def _deliver_channels(self, communications):
        failures = defaultdict(list)
        for communication, problem in self._consent_problems(communications).items():
            failures[problem].append(communication)
        refused = communications.browse(
            [c.id for grouped in failures.values() for c in grouped]
        )
        refused._seal()
        for (failure_type, reason), failed in failures.items():
            communications.browse([c.id for c in failed])._set_delivery(
                "failed", failure_type, reason, log_on_invoices=False
            )
        return super()._deliver_channels(communications - refused)

    @api.model
    def _consent_problems(self, communications):
        """{communication: (failure type, message)} for the opted-out channels and the
        messages over the frequency cap."""
        problems = {}
        optout_types = {"email": "mail_optout", "sms": "sms_optout"}
        for communication in communications:
            customer = communication.partner_id
            if customer[f"dunning_no_{communication.channel}"]:
                problems[communication] = (
                    optout_types.get(
                        communication.channel, f"{communication.channel}_optout"
                    ),
                    self.env._(
                        "%(customer)s opted out of this channel.",
                        customer=customer.display_name,
                    ),
                )
        counts = self._recent_message_counts(communications)
        for communication in communications:
            policy = communication.policy_id
            if communication in problems or not policy.max_messages:
                continue
            if counts[communication.partner_id.id] >= policy.max_messages:
                problems[communication] = (
                    "frequency_cap",
                    self.env._(
                        "%(customer)s got %(count)s reminders in %(days)s days: the "
                        "most its policy allows.",
                        customer=communication.partner_id.display_name,
                        count=counts[communication.partner_id.id],
                        days=policy.max_messages_days,
                    ),
                )
            else:
                counts[communication.partner_id.id] += 1
        return problems

    @api.model
    def _recent_message_counts(self, communications):
        """{partner id: reminders queued or sent in its policy's period}, not
        counting ``communications``."""
        capped = communications.filtered("policy_id.max_messages")
        if not capped:
            return Counter()
        since = min(
            communication.dunning_date
            - timedelta(days=communication.policy_id.max_messages_days - 1)
            for communication in capped
        )
        groups = (
            self.env["dunning.communication"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", capped.partner_id.ids),
                    ("state", "in", LIVE_STATES),
                    ("dunning_date", ">=", since),
                    ("id", "not in", communications.ids),
                ],
                groupby=["partner_id"],
                aggregates=["__count"],
            )
        )
        return Counter({partner.id: count for partner, count in groups})

    @api.model
    def _sms_reply(self, number, text):
        """An SMS answer from a customer: STOP (and its usual variants) puts the number
        on Odoo's phone blacklist, so that no SMS reminder reaches it again.

        :return: whether the number was blacklisted
        """
        if " ".join((text or "").upper().split()) not in STOP_KEYWORDS:
            return False
        self.env["phone.blacklist"].sudo().add(
            number, message=self.env._("The customer answered STOP to a reminder.")
        )
        _logger.info("Dunning: %s answered STOP, number blacklisted", number)
        return True
