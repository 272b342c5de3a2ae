# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.fields import Command

from .dunning_communication import LIVE_STATES
from .dunning_level_channel import RULE_FALLBACK

# Failures that are no reason to try another channel: the customer had enough.
NO_FALLBACK_FAILURES = frozenset({"frequency_cap"})
# The frozen snapshot a follow-up channel takes over from the communication before it.
SNAPSHOT_FIELDS = (
    "company_id",
    "partner_id",
    "partner_name",
    "partner_address",
    "recipient_id",
    "email_to",
    "email_cc",
    "level_id",
    "mail_template_id",
    "run_id",
    "user_id",
    "dunning_date",
    "totals",
)


class DunningDelivery(models.AbstractModel):
    """A level's channel sequence: each channel delivers its own communications, then
    the next channel of the level follows, always or only when the one before failed
    for this customer."""

    _inherit = "dunning.delivery"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _channel_recipient(self, channel, contact):
        """The address or number ``channel`` reaches ``contact`` at, as it is sent."""
        return getattr(self, f"_recipient_{channel}")(contact)

    @api.model
    def _recipient_email(self, contact):
        return contact.email or False

    @api.model
    def _deliver_channels(self, communications):
        """Deliver each channel's communications, then the channels that follow."""
        for channel, grouped in communications.grouped("channel").items():
            getattr(self, f"_deliver_{channel}")(grouped)
        # the failed ones already went on to their fallback (_set_delivery)
        self._deliver_next(
            communications.filtered(
                lambda communication: communication.state not in ("failed", "bounced")
            )
        )

    @api.model
    def _deliver_email(self, communications):
        self._deliver(communications)
        communications.filtered("mail_id").write({"cost_units": 1})

    @api.model
    def _retry(self, communications):
        """Only an email is queued again: another channel's reminder is sent again by
        Send Reminder Now."""
        emails = communications.filtered(lambda c: c.channel == "email")
        retried, refused = super()._retry(emails)
        for communication in communications - emails:
            refused[communication] = self.env._(
                "Only emails are sent again: use Send Reminder Now on the customer."
            )
        return retried, refused

    @api.model
    def _deliver_next(self, communications):
        """Create and deliver the next channel of each communication's level: an
        *always* channel in any case, a fallback only when this communication failed
        for the customer (a failure that will be retried is no such failure).

        Safe to call again (the run, then a bounce): a channel already attempted for
        the reminder is not attempted again, unless a user sends the reminder again.
        """
        planned = {}  # idempotency key of the next channel -> (source, channel)
        for communication in communications:
            channel = self._next_channel(communication)
            if channel:
                key = self._follow_up_key(communication, channel)
                planned.setdefault(key, (communication, channel))
        if not planned:
            return
        attempts = self.env["dunning.run"]._earlier_attempts(list(planned))
        Communication = self.env["dunning.communication"].sudo()
        values = []
        for key, (source, channel) in planned.items():
            states = attempts.get(key, [])
            resent = source.idempotency_key != source.reminder_key
            if any(state in LIVE_STATES for state in states) or (states and not resent):
                continue
            values.append(
                self._follow_up_values(
                    source,
                    channel,
                    key,
                    Communication._attempt_key(key, len(states) + 1),
                )
            )
        if values:
            follow_ups = Communication.create(values)
            self._deliver_channels(follow_ups)
            self.env["account.move"]._dunning_log_communications(follow_ups)

    @api.model
    def _next_channel(self, communication):
        sequence = communication.level_id._dunning_channel_sequence()
        channels = [channel for channel, _rule in sequence]
        if communication.channel not in channels:
            return None
        failed = communication.failure_type not in NO_FALLBACK_FAILURES and (
            communication.state == "bounced"
            or (communication.state == "failed" and not communication.retry_date)
        )
        for channel, rule in sequence[channels.index(communication.channel) + 1 :]:
            if rule != RULE_FALLBACK or failed:
                return channel
        return None

    @api.model
    def _follow_up_key(self, communication, channel):
        policy = communication.policy_id
        return self.env["dunning.communication"]._idempotency_key(
            communication.company_id,
            communication.partner_id,
            communication.level_id,
            channel,
            communication.dunning_date,
            communication.move_ids if policy.grouping == "invoice" else None,
        )

    @api.model
    def _follow_up_values(self, source, channel, reminder_key, key):
        """The communication of ``channel`` for the reminder ``source`` attempted: the
        same frozen snapshot, its own recipient and key."""
        values = source._convert_to_write(
            {name: source[name] for name in SNAPSHOT_FIELDS}
        )
        return {
            **values,
            "channel": channel,
            "recipient": self._channel_recipient(channel, source.recipient_id),
            "idempotency_key": key,
            "reminder_key": reminder_key,
            "move_ids": [Command.set(source.move_ids.ids)],
            "line_ids": [
                Command.create(line_values)
                for line_values in source.line_ids.copy_data(
                    {"communication_id": False}
                )
            ],
        }
