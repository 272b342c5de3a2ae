# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The dunning rule engine: plain Python, no ORM.

Given the open receivable items of the partners under one policy and the policy's
levels, it decides for every partner which invoices reached which level and whether a
reminder is due on ``today``. The ORM layer (``dunning.run``) feeds it with set-based
reads and applies its decisions.

Rules:

* An invoice's overdue age is that of its oldest open instalment (``date_maturity``; the
  invoice date when an instalment has none).
* Invoices climb the levels one at a time: the next level after the invoice's current
  one is due when the age reached the level's trigger and the invoice was last reminded
  at least the level's ``min_days_since_previous`` days ago. Pre-due (courtesy) levels
  are skipped once an invoice is past due: a courtesy reminder after the due date makes
  no sense.
* A partner gets one reminder listing all its due invoices and its credits, at the
  highest level its invoices reached, unless it was reminded too recently, its net
  balance is a credit, or its overdue total is under the company tolerance.

It also owns the vocabulary of what a customer owes, which the SQL, the domains and the
computes of the ORM layer are built from
(``account.move.line._dunning_open_domain``/``_sql``):

* An open item is a receivable line of a posted entry, not reconciled, with a residual,
  whose entry's payment state is not in :data:`CLOSED_PAYMENT_STATES`: invoice
  instalments, credit notes, unreconciled payments and miscellaneous entries alike.
* Its due date is its ``date_maturity``, else its invoice date; a debit with neither is
  rejected.
* A credit (negative residual) is netted into the balance; it is never overdue.
* An item is paused on a date until its entry's ``paused_until`` (included); a paused
  item is not chased and not overdue, but still owed.
* A debit is past due on a date when it is due before that date, and overdue when it is
  past due and not paused.
* Balance and overdue amounts are given per currency (the document currency, what the
  customer sees), never summed across currencies; the company currency only serves the
  tolerance.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import date

# What an open item is (see the module docstring).
POSTED_STATE = "posted"
RECEIVABLE_ACCOUNT_TYPE = "asset_receivable"
# Payment states where the customer paid: the money was received or is on its way.
PAID_PAYMENT_STATES = ("paid", "in_payment")
# Payment states that leave nothing to pay: paid, or cancelled by a credit note.
SETTLED_PAYMENT_STATES = (*PAID_PAYMENT_STATES, "reversed")
# Payment states whose entries are never dunned: settled, held by the accountant
# (blocked) or invoiced before Odoo (invoicing_legacy).
CLOSED_PAYMENT_STATES = (*SETTLED_PAYMENT_STATES, "blocked", "invoicing_legacy")
# Payment states that say nothing of how a customer pays (risk history).
NO_HISTORY_PAYMENT_STATES = ("reversed", "invoicing_legacy")

# What the customer's statement says of an invoice.
STATUS_DUE = "due"
STATUS_OVERDUE = "overdue"
STATUS_PAUSED = "paused"
STATUS_PROMISED = "promised"
STATUS_DISPUTED = "disputed"
PAUSE_STATUSES = {"promise": STATUS_PROMISED, "dispute": STATUS_DISPUTED}

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
    """An open receivable line: an invoice instalment, a credit note, a payment or a
    misc line.

    ``amount_residual`` is in the company currency, positive when the customer owes it
    and negative for credits; ``amount_residual_currency`` is the same in the line's
    ``currency_id``. ``level_id``/``last_date``/``paused_until``/``pause_reason`` are
    those of its move.
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
    pause_reason: str | None = None
    currency_id: int | None = None
    amount_residual_currency: float | None = None

    @property
    def is_credit(self):
        return self.amount_residual < 0

    @property
    def due_date(self):
        return due_date_of(self.date_maturity, self.invoice_date)

    @property
    def residual_in_currency(self):
        if self.amount_residual_currency is None:
            return self.amount_residual
        return self.amount_residual_currency

    def is_paused_on(self, today):
        return is_paused(self.paused_until, today)

    def is_past_due_on(self, today):
        return (
            not self.is_credit and self.due_date is not None and self.due_date < today
        )

    def is_overdue_on(self, today):
        return self.is_past_due_on(today) and not self.is_paused_on(today)


ITEM_FIELDS = tuple(item_field.name for item_field in fields(OpenItem))


def make_items(rows):
    """:class:`OpenItem` of rows (mappings) carrying at least its fields."""
    return [
        OpenItem(**{name: row[name] for name in ITEM_FIELDS if name in row})
        for row in rows
    ]


def is_open_payment_state(payment_state):
    """Whether an entry in this payment state may be dunned (NULL: not an invoice)."""
    return payment_state not in CLOSED_PAYMENT_STATES


def due_date_of(date_maturity, invoice_date):
    """The due date of an item: its maturity, else its invoice date (or None)."""
    return date_maturity or invoice_date


def is_paused(paused_until, today):
    return bool(paused_until) and paused_until >= today


def split_dated(items):
    """(datable items, {line id: reason} of the others): a debit needs a due date."""
    dated, rejected = [], {}
    for item in items:
        if item.due_date is None and not item.is_credit:
            rejected[item.line_id] = SKIP_NO_DUE_DATE
        else:
            dated.append(item)
    return dated, rejected


@dataclass
class Totals:
    """What a customer owes in one currency: net balance and its overdue part."""

    currency_id: int | None
    balance: float = 0.0
    overdue: float = 0.0


def totals_by_currency(items, today):
    """{currency id: :class:`Totals`} of ``items`` on ``today``, in the document
    currencies."""
    totals = {}
    for item in items:
        total = totals.setdefault(item.currency_id, Totals(item.currency_id))
        total.balance += item.residual_in_currency
        if item.is_overdue_on(today):
            total.overdue += item.residual_in_currency
    return totals


def overdue_total(items, today):
    """The overdue amount of ``items`` in company currency (for the tolerance)."""
    return sum(item.amount_residual for item in items if item.is_overdue_on(today))


def move_status(items, today):
    """What the statement says of a move from its open items: paused (disputed, promised
    or on hold), else overdue when one of them is, else due."""
    head = items[0]
    if head.is_paused_on(today):
        return PAUSE_STATUSES.get(head.pause_reason, STATUS_PAUSED)
    if any(item.is_overdue_on(today) for item in items):
        return STATUS_OVERDUE
    return STATUS_DUE


def earliest_due_date(items):
    """The due date of a move's oldest open instalment (None when none has one)."""
    return min((item.due_date for item in items if item.due_date), default=None)


def days_overdue(items, today):
    """Days since the oldest overdue instalment of ``items`` fell due (or 0)."""
    return max(
        (
            days_between(item.due_date, today)
            for item in items
            if item.is_overdue_on(today)
        ),
        default=0,
    )


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
    # what the customer owes, all its open items included: {currency id: Totals}
    totals: dict = field(default_factory=dict)

    @property
    def send(self):
        return self.level_id is not None and self.skip_reason is None

    def totals_snapshot(self):
        """The totals as JSON-able rows (by currency id), for the reminder to freeze."""
        return [
            asdict(total)
            for _currency_id, total in sorted(
                self.totals.items(), key=lambda item: item[0] or 0
            )
        ]


@dataclass
class Evaluation:
    """The result for one policy: the decisions and every move's next dunning date."""

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
    owed_items=None,
):
    """Decide the reminders due on ``today``.

    :param items: iterable of :class:`OpenItem`, all under the same policy
    :param levels: the policy's :class:`Level` list, in sequence order
    :param today: the dunning date
    :param tolerance: minimum overdue total (company currency) worth a reminder
    :param last_reminder_by_partner: partner id -> date of its last reminder (any level)
    :param resend_current: "send now": when no invoice reached a new level, remind the
        partner again at the highest level its invoices already have, ignoring the
        minimum delays
    :param owed_items: every open item of these partners, when ``items`` leaves some out
        (the policy's journals and minimum): a decision's ``totals`` say what the
        partner owes
    :return: :class:`Evaluation`
    """
    last_reminder_by_partner = last_reminder_by_partner or {}
    level_index = {level.id: index for index, level in enumerate(levels)}
    items_by_partner = defaultdict(list)
    dated, rejected = split_dated(items)
    for item in dated:
        items_by_partner[item.partner_id].append(item)
    owed_by_partner = items_by_partner
    if owed_items is not None:
        owed_by_partner = defaultdict(list)
        for item in split_dated(owed_items)[0]:
            owed_by_partner[item.partner_id].append(item)

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
        decision.totals = totals_by_currency(owed_by_partner[partner_id], today)
        decisions.append(decision)
    return Evaluation(
        decisions=decisions, next_dates=next_dates, rejected_lines=rejected
    )


def _next_level(levels, current_index, age):
    """The level an invoice of this age would climb to next, or None at the last one."""
    for level in levels[current_index + 1 :]:
        if level.is_pre_due and age > 0:
            continue
        return level
    return None


def _due_on(level, oldest_due, last_date):
    """The day ``level`` becomes due for an invoice, or None without a level."""
    if level is None:
        return None
    due_on = date.fromordinal(oldest_due.toordinal() + level.trigger_days)
    if last_date:
        due_on = max(
            due_on,
            date.fromordinal(last_date.toordinal() + level.min_days_since_previous),
        )
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
        if head.is_paused_on(today):
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
    decision.overdue_total = overdue_total(items, today)
    decision.balance = sum(item.amount_residual for item in items)

    if reached_levels:
        decision.level_id = max(
            reached_levels, key=lambda level: level_index[level.id]
        ).id
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
    elif (
        not levels[level_index[decision.level_id]].is_pre_due
        and decision.overdue_total < tolerance
    ):
        decision.skip_reason = SKIP_BELOW_TOLERANCE
    elif (
        not resend_current
        and last_reminder
        and days_between(last_reminder, today)
        < levels[level_index[decision.level_id]].min_days_since_previous
    ):
        decision.skip_reason = SKIP_TOO_RECENT
    if not decision.send:
        # held back: the invoices stay due for the level they reached
        next_dates.update(dict.fromkeys(decision.advancing, today))
        decision.advancing = {}
    return decision
