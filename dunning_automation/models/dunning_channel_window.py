# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import UTC, timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from .. import send_window

# Channels that reach a person at once: only in the customer's business hours.
WINDOWED_CHANNELS = frozenset({"sms", "call"})


class DunningDelivery(models.AbstractModel):
    """Send windows: an SMS or a call outside the customer's business hours (its time
    zone, the company's working calendar and public holidays) waits for the next
    opening; a later run delivers it then."""

    _inherit = "dunning.delivery"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _deliver_channels(self, communications):
        now = fields.Datetime.now()
        waiting = defaultdict(list)  # opening -> communications
        windowed = communications.filtered(
            lambda c: (
                c.channel in WINDOWED_CHANNELS
                and not (c.send_after and c.send_after <= now)
            )
        )
        for company, grouped in windowed.grouped("company_id").items():
            for communication, opening in self._send_openings(
                company, grouped, now
            ).items():
                if opening != now:
                    waiting[opening].append(communication)
        for opening, grouped in waiting.items():
            communications.browse([c.id for c in grouped]).sudo().write(
                {"send_after": opening}
            )
        if waiting:
            self.env.ref("dunning_automation.ir_cron_dunning_run")._trigger(
                at=min(waiting)
            )
        return super()._deliver_channels(
            communications.filtered(lambda c: not c.send_after or c.send_after <= now)
        )

    @api.model
    def _send_openings(self, company, communications, now):
        """{communication: first moment (naive UTC) its window is open from ``now``}; a
        calendar without any hours leaves the moment as it is (never blocks)."""
        hours = self._send_window_hours(company)
        leaves = self._send_window_leaves(company, now)
        openings = {}
        for tz_name, grouped in communications.grouped(
            lambda c: c.recipient_id.tz or c.partner_id.tz or company.partner_id.tz
        ).items():
            tz = send_window.zone(tz_name)
            holidays = {
                date_from.replace(tzinfo=UTC).astimezone(tz).date() + timedelta(days=n)
                for date_from, date_to in leaves
                for n in range(
                    (
                        date_to.replace(tzinfo=UTC).astimezone(tz).date()
                        - date_from.replace(tzinfo=UTC).astimezone(tz).date()
                    ).days
                    + 1
                )
            }
            opening = send_window.next_opening(
                now.replace(tzinfo=UTC), tz_name, hours, holidays
            )
            opening = opening.replace(tzinfo=None) if opening else now
            openings.update(dict.fromkeys(grouped, opening))
        return openings

    @api.model
    def _send_window_hours(self, company):
        """{weekday: [(hour from, hour to)]} of the company's working calendar."""
        calendar = company.resource_calendar_id
        if not calendar:
            return send_window.DEFAULT_HOURS
        hours = defaultdict(list)
        for attendance in calendar.attendance_ids:
            if attendance.day_period != "lunch":
                hours[int(attendance.dayofweek)].append(
                    (attendance.hour_from, attendance.hour_to)
                )
        return dict(hours)

    @api.model
    def _send_window_leaves(self, company, now):
        """[(from, to)] of the public holidays (company-wide leaves) still to come."""
        calendar = company.resource_calendar_id
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                Domain("resource_id", "=", False)
                & Domain("date_to", ">=", now)
                & Domain("company_id", "in", [company.id, False])
                & Domain("calendar_id", "in", [calendar.id, False])
            )
        )
        return [(leave.date_from, leave.date_to) for leave in leaves]

    @api.model
    def _retry_due(self, companies):
        self._deliver_waiting(companies)
        return super()._retry_due(companies)

    @api.model
    def _deliver_waiting(self, companies):
        """Deliver the messages whose send window has opened."""
        due = (
            self.env["dunning.communication"]
            .sudo()
            .search(
                [
                    ("company_id", "in", companies.ids),
                    ("state", "=", "queued"),
                    ("hash", "=", False),
                    ("send_after", "<=", fields.Datetime.now()),
                ]
            )
        )
        if due:
            self._deliver_channels(due)
            self.env["account.move"]._dunning_log_communications(due)
        return due
