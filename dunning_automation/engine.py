# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The dunning rule engine: plain Python, no ORM.

Given the open receivable items of the partners under one policy and the policy's levels, it
decides for every partner which invoices reached which level and whether a reminder is due on
``today``. The ORM layer (``dunning.run``) feeds it with set-based reads and applies its decisions.

Rules:

* An invoice's overdue age is that of its oldest open instalment (``date_maturity``; the invoice
  date when an instalment has none).
* Invoices climb the levels one at a time: the next level after the invoice's current one is due
  when the age reached the level's trigger and the invoice was last reminded at least the level's
  ``min_days_since_previous`` days ago. Pre-due (courtesy) levels are skipped once an invoice is
  past due: a courtesy reminder after the due date makes no sense.
* A partner gets one reminder listing all its due invoices and its credits, at the highest level
  its invoices reached, unless it was reminded too recently, its net balance is a credit, or its
  overdue total is under the company tolerance.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

SKIP_NO_LEVEL_DUE = "no_level_due"
SKIP_CREDIT_BALANCE = "credit_balance"
SKIP_BELOW_TOLERANCE = "below_tolerance"
SKIP_TOO_RECENT = "too_recent"
SKIP_NO_DUE_DATE = "no_due_date"


@dataclass(frozen=True)
class Level:
    """A dunning level as the engine sees it; ``levels`` are given in sequence order."""

    id: int
    trigger_days: int
    min_days_since_previous: int = 0

    @property
    def is_pre_due(self):
        return self.trigger_days < 0


@dataclass(frozen=True)
class OpenItem:
    """An open receivable line: one instalment of an invoice, a credit note or a payment.

    ``amount_residual`` is in the company currency, positive when the customer owes it and
    negative for credits. ``level_id``/``last_date``/``paused_until`` are those of its move.
    """

    line_id: int
    move_id: int
    partner_id: int
    date_maturity: date | None
    amount_residual: float
    invoice_date: date | None = None
    level_id: int | None = None
    last_date: date | None = None
    paused_until: date | None = None

    @property
    def is_credit(self):
        return self.amount_residual < 0

    @property
    def due_date(self):
        return self.date_maturity or self.invoice_date


@dataclass
class PartnerDecision:
    """What the engine decided for one partner on one day."""

    partner_id: int
    level_id: int | None = None
    skip_reason: str | None = None
    # move id -> the level it reaches with this reminder
    advancing: dict = field(default_factory=dict)
    # the lines the reminder lists (due invoices' instalments and credits)
    line_ids: list = field(default_factory=list)
    overdue_total: float = 0.0
    balance: float = 0.0

    @property
    def send(self):
        return self.level_id is not None and self.skip_reason is None


@dataclass
class Evaluation:
    """The result for one policy: the partners' decisions and every move's next dunning date."""

    decisions: list
    next_dates: dict
    # line id -> reason why it could not be evaluated (e.g. no due date at all)
    rejected_lines: dict


def days_between(start, end):
    return (end - start).days


def evaluate(
    items,
    levels,
    today,
    *,
    tolerance=0.0,
    last_reminder_by_partner=None,
    resend_current=False,
):
    """Decide the reminders due on ``today``.

    :param items: iterable of :class:`OpenItem`, all under the same policy
    :param levels: the policy's :class:`Level` list, in sequence order
    :param today: the dunning date
    :param tolerance: minimum overdue total (company currency) worth a reminder
    :param last_reminder_by_partner: partner id -> date of its last reminder (any level)
    :param resend_current: "send now": when no invoice reached a new level, remind the partner
        again at the highest level its invoices already have, ignoring the minimum delays
    :return: :class:`Evaluation`
    """
    last_reminder_by_partner = last_reminder_by_partner or {}
    level_index = {level.id: index for index, level in enumerate(levels)}
    items_by_partner = defaultdict(list)
    rejected = {}
    for item in items:
        if item.due_date is None and not item.is_credit:
            rejected[item.line_id] = SKIP_NO_DUE_DATE
            continue
        items_by_partner[item.partner_id].append(item)

    decisions, next_dates = [], {}
    for partner_id, partner_items in items_by_partner.items():
        decision = _evaluate_partner(
            partner_id,
            partner_items,
            levels,
            level_index,
            today,
            tolerance=tolerance,
            last_reminder=last_reminder_by_partner.get(partner_id),
            resend_current=resend_current,
            next_dates=next_dates,
        )
        decisions.append(decision)
    return Evaluation(decisions=decisions, next_dates=next_dates, rejected_lines=rejected)


def _next_level(levels, current_index, age):
    """The level an invoice of this age would climb to next, or None at the last one."""
    for level in levels[current_index + 1 :]:
        if level.is_pre_due and age > 0:
            continue
        return level
    return None


def _due_on(level, oldest_due, last_date):
    """The day ``level`` becomes due for an invoice, or None when there is no such level."""
    if level is None:
        return None
    due_on = date.fromordinal(oldest_due.toordinal() + level.trigger_days)
    if last_date:
        due_on = max(due_on, date.fromordinal(last_date.toordinal() + level.min_days_since_previous))
    return due_on


def _evaluate_partner(
    partner_id,
    items,
    levels,
    level_index,
    today,
    *,
    tolerance,
    last_reminder,
    resend_current,
    next_dates,
):
    decision = PartnerDecision(partner_id=partner_id)
    debits_by_move = defaultdict(list)
    credits = []
    for item in items:
        (credits if item.is_credit else debits_by_move[item.move_id]).append(item)

    window = min((level.trigger_days for level in levels), default=0)
    listed_moves, reached_levels = [], []
    for move_id, move_items in debits_by_move.items():
        head = move_items[0]
        if head.paused_until and head.paused_until >= today:
            next_dates[move_id] = None
            continue
        age = max(days_between(item.due_date, today) for item in move_items)
        current = level_index.get(head.level_id, -1)
        level = _next_level(levels, current, age)
        if age >= min(window, 0):
            listed_moves.append(move_id)
        oldest_due = min(item.due_date for item in move_items)
        due_on = _due_on(level, oldest_due, head.last_date)
        if due_on is not None and due_on <= today:
            decision.advancing[move_id] = level.id
            reached_levels.append(level)
            following = _next_level(levels, level_index[level.id], age)
            next_dates[move_id] = _due_on(following, oldest_due, today)
        else:
            next_dates[move_id] = due_on

    decision.line_ids = [
        item.line_id for move_id in listed_moves for item in debits_by_move[move_id]
    ] + [item.line_id for item in credits]
    decision.overdue_total = sum(
        item.amount_residual
        for move_items in debits_by_move.values()
        for item in move_items
        if days_between(item.due_date, today) > 0 and not (item.paused_until and item.paused_until >= today)
    )
    decision.balance = sum(item.amount_residual for item in items)

    if reached_levels:
        decision.level_id = max(reached_levels, key=lambda level: level_index[level.id]).id
    elif resend_current:
        current_levels = [
            debits_by_move[move_id][0].level_id
            for move_id in listed_moves
            if debits_by_move[move_id][0].level_id in level_index
        ]
        if current_levels:
            decision.level_id = max(current_levels, key=level_index.get)

    if decision.level_id is None:
        decision.skip_reason = SKIP_NO_LEVEL_DUE
    elif decision.balance <= 0:
        decision.skip_reason = SKIP_CREDIT_BALANCE
    elif not levels[level_index[decision.level_id]].is_pre_due and decision.overdue_total < tolerance:
        decision.skip_reason = SKIP_BELOW_TOLERANCE
    elif (
        not resend_current
        and last_reminder
        and days_between(last_reminder, today) < levels[level_index[decision.level_id]].min_days_since_previous
    ):
        decision.skip_reason = SKIP_TOO_RECENT
    if not decision.send:
        # held back: the invoices stay due for the level they reached
        next_dates.update(dict.fromkeys(decision.advancing, today))
        decision.advancing = {}
    return decision
