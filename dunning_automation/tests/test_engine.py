# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Unit tests of the pure rule engine: no database, no ORM."""

from datetime import date, timedelta

from odoo.tests import BaseCase, tagged

from odoo.addons.dunning_automation import engine

TODAY = date(2026, 3, 16)
COURTESY, FIRST, SECOND, FINAL = (
    engine.Level(1, -3, 0),
    engine.Level(2, 7, 7),
    engine.Level(3, 21, 10),
    engine.Level(4, 45, 14),
)
LEVELS = [COURTESY, FIRST, SECOND, FINAL]


def item(line_id, due_offset, amount=100.0, partner_id=1, move_id=None, **values):
    return engine.OpenItem(
        line_id=line_id,
        move_id=move_id or line_id,
        partner_id=partner_id,
        date_maturity=TODAY + timedelta(days=due_offset)
        if due_offset is not None
        else None,
        amount_residual=amount,
        **values,
    )


def decide(items, **kwargs):
    evaluation = engine.evaluate(items, LEVELS, TODAY, **kwargs)
    return {
        decision.partner_id: decision for decision in evaluation.decisions
    }, evaluation


@tagged("dunning_engine")
class TestEngine(BaseCase):
    def test_first_reminder_boundaries(self):
        """Overdue 6 days: nothing; 7 days: first reminder; 8 days: first reminder."""
        for age, expected in ((6, None), (7, FIRST.id), (8, FIRST.id)):
            with self.subTest(age=age):
                decisions, _evaluation = decide([item(1, -age)])
                self.assertEqual(decisions[1].level_id, expected)
                self.assertEqual(decisions[1].send, expected is not None)

    def test_courtesy_reminder_before_due_only(self):
        for offset, expected in (
            (4, None),
            (3, COURTESY.id),
            (0, COURTESY.id),
            (-1, None),
        ):
            with self.subTest(offset=offset):
                decisions, _evaluation = decide([item(1, offset)])
                self.assertEqual(decisions[1].level_id, expected)

    def test_levels_climb_one_at_a_time(self):
        """An invoice 60 days late that was never reminded gets the first reminder, not
        the final notice."""
        decisions, _evaluation = decide([item(1, -60)])
        self.assertEqual(decisions[1].level_id, FIRST.id)

    def test_second_level_needs_days_since_previous(self):
        reminded = dict(level_id=FIRST.id, last_date=TODAY - timedelta(days=9))
        decisions, evaluation = decide([item(1, -25, **reminded)])
        self.assertEqual(decisions[1].skip_reason, engine.SKIP_NO_LEVEL_DUE)
        self.assertEqual(evaluation.next_dates[1], TODAY + timedelta(days=1))
        reminded["last_date"] = TODAY - timedelta(days=10)
        decisions, _evaluation = decide([item(1, -25, **reminded)])
        self.assertEqual(decisions[1].level_id, SECOND.id)

    def test_grouped_per_partner_at_highest_level(self):
        items = [
            item(1, -8),
            item(2, -30, level_id=FIRST.id, last_date=TODAY - timedelta(days=20)),
            item(3, 10),  # not yet due: not listed, not advancing
        ]
        decisions, _evaluation = decide(items)
        decision = decisions[1]
        self.assertEqual(decision.level_id, SECOND.id)
        self.assertEqual(decision.advancing, {1: FIRST.id, 2: SECOND.id})
        self.assertEqual(sorted(decision.line_ids), [1, 2])

    def test_instalments_use_oldest_open_maturity(self):
        items = [item(1, -8, move_id=10), item(2, 22, move_id=10)]
        decisions, _evaluation = decide(items)
        self.assertEqual(decisions[1].advancing, {10: FIRST.id})
        self.assertEqual(decisions[1].line_ids, [1, 2])

    def test_credit_is_listed_and_netted(self):
        decisions, _evaluation = decide([item(1, -8, 100.0), item(2, -3, -40.0)])
        self.assertTrue(decisions[1].send)
        self.assertEqual(decisions[1].line_ids, [1, 2])
        self.assertAlmostEqual(decisions[1].balance, 60.0)

    def test_credit_balance_no_reminder(self):
        decisions, _evaluation = decide([item(1, -8, 100.0), item(2, -3, -150.0)])
        self.assertEqual(decisions[1].skip_reason, engine.SKIP_CREDIT_BALANCE)
        self.assertFalse(decisions[1].advancing)

    def test_only_credits(self):
        decisions, _evaluation = decide([item(1, -8, -100.0)])
        self.assertFalse(decisions[1].send)

    def test_tolerance(self):
        decisions, _evaluation = decide([item(1, -8, 4.99)], tolerance=5.0)
        self.assertEqual(decisions[1].skip_reason, engine.SKIP_BELOW_TOLERANCE)
        decisions, _evaluation = decide([item(1, -8, 5.0)], tolerance=5.0)
        self.assertTrue(decisions[1].send)

    def test_paused_invoice_is_not_chased(self):
        paused = item(1, -30, paused_until=TODAY)
        decisions, evaluation = decide([paused, item(2, -8)])
        self.assertEqual(decisions[1].advancing, {2: FIRST.id})
        self.assertEqual(decisions[1].line_ids, [2])
        self.assertIsNone(evaluation.next_dates[1])
        decisions, _evaluation = decide(
            [item(1, -30, paused_until=TODAY - timedelta(days=1))]
        )
        self.assertEqual(decisions[1].level_id, FIRST.id)

    def test_recent_reminder_holds_back(self):
        decisions, _evaluation = decide(
            [item(1, -8)], last_reminder_by_partner={1: TODAY - timedelta(days=3)}
        )
        self.assertEqual(decisions[1].level_id, FIRST.id)
        self.assertEqual(decisions[1].skip_reason, engine.SKIP_TOO_RECENT)

    def test_resend_current_level(self):
        reminded = item(1, -9, level_id=FIRST.id, last_date=TODAY - timedelta(days=2))
        decisions, _evaluation = decide([reminded])
        self.assertFalse(decisions[1].send)
        decisions, _evaluation = decide([reminded], resend_current=True)
        self.assertEqual(decisions[1].level_id, FIRST.id)
        self.assertEqual(decisions[1].advancing, {})

    def test_no_due_date_uses_invoice_date_else_rejected(self):
        with_invoice_date = item(1, None, invoice_date=TODAY - timedelta(days=7))
        decisions, evaluation = decide([with_invoice_date, item(2, None, partner_id=2)])
        self.assertEqual(decisions[1].level_id, FIRST.id)
        self.assertEqual(evaluation.rejected_lines, {2: engine.SKIP_NO_DUE_DATE})

    def test_final_level_has_no_next(self):
        at_final = item(1, -90, level_id=FINAL.id, last_date=TODAY - timedelta(days=30))
        decisions, evaluation = decide([at_final])
        self.assertFalse(decisions[1].send)
        self.assertIsNone(evaluation.next_dates[1])

    def test_partners_are_independent(self):
        decisions, _evaluation = decide(
            [item(1, -8, partner_id=1), item(2, -2, partner_id=2)]
        )
        self.assertTrue(decisions[1].send)
        self.assertFalse(decisions[2].send)

    # ------------------------------------------------------------------
    # what a customer owes
    # ------------------------------------------------------------------

    def test_open_payment_states(self):
        for state in ("not_paid", "partial", None):
            self.assertTrue(engine.is_open_payment_state(state), state)
        for state in ("in_payment", "paid", "reversed", "blocked", "invoicing_legacy"):
            self.assertFalse(engine.is_open_payment_state(state), state)

    def test_totals_per_currency_net_credits_never_summed_across(self):
        items = [
            item(1, -8, 100.0, currency_id=1),
            item(2, 10, 50.0, currency_id=1),  # not due yet: owed, not overdue
            item(
                3, None, -30.0, currency_id=1
            ),  # a credit needs no due date, is never overdue
            item(4, -8, 40.0, currency_id=2, amount_residual_currency=80.0),
            item(
                5, -8, 25.0, currency_id=1, paused_until=TODAY
            ),  # paused: owed, not overdue
        ]
        totals = engine.totals_by_currency(items, TODAY)
        self.assertEqual(totals[1], engine.Totals(1, balance=145.0, overdue=100.0))
        self.assertEqual(
            totals[2],
            engine.Totals(2, balance=80.0, overdue=80.0),
            "the document currency",
        )
        self.assertEqual(
            engine.overdue_total(items, TODAY),
            140.0,
            "the company currency, for the tolerance",
        )
        decisions, _evaluation = decide(items)
        self.assertEqual(decisions[1].totals, totals)
        self.assertEqual(
            decisions[1].totals_snapshot(),
            [
                {"currency_id": 1, "balance": 145.0, "overdue": 100.0},
                {"currency_id": 2, "balance": 80.0, "overdue": 80.0},
            ],
        )

    def test_totals_count_items_the_policy_leaves_out(self):
        chased, small = (
            item(1, -8, 100.0, currency_id=1),
            item(2, -8, 5.0, currency_id=1),
        )
        decisions, _evaluation = decide([chased], owed_items=[chased, small])
        self.assertEqual(decisions[1].totals[1].balance, 105.0)
        self.assertEqual(decisions[1].overdue_total, 100.0)

    def test_move_status(self):
        self.assertEqual(
            engine.move_status([item(1, -1)], TODAY), engine.STATUS_OVERDUE
        )
        self.assertEqual(
            engine.move_status([item(1, 0)], TODAY),
            engine.STATUS_DUE,
            "due today is not overdue",
        )
        two = [item(1, -5, move_id=9), item(2, 30, move_id=9)]
        self.assertEqual(
            engine.move_status(two, TODAY),
            engine.STATUS_OVERDUE,
            "its first instalment is",
        )
        self.assertEqual(engine.earliest_due_date(two), TODAY - timedelta(days=5))
        self.assertEqual(engine.days_overdue(two, TODAY), 5)
        for reason, status in (
            ("promise", "promised"),
            ("dispute", "disputed"),
            ("manual", "paused"),
        ):
            paused = item(1, -5, paused_until=TODAY, pause_reason=reason)
            self.assertEqual(engine.move_status([paused], TODAY), status)
            self.assertEqual(engine.days_overdue([paused], TODAY), 0)
        expired = item(
            1, -5, paused_until=TODAY - timedelta(days=1), pause_reason="promise"
        )
        self.assertEqual(engine.move_status([expired], TODAY), engine.STATUS_OVERDUE)

    def test_make_items_from_rows(self):
        row = {
            "line_id": 1,
            "move_id": 2,
            "partner_id": 3,
            "date_maturity": None,
            "amount_residual": 10.0,
            "invoice_date": TODAY,
            "journal_id": 7,
            "move_type": "out_invoice",
        }
        [made] = engine.make_items([row])
        self.assertEqual(
            made.due_date, TODAY, "the invoice date when the line has no maturity"
        )
        self.assertEqual(made.residual_in_currency, 10.0)
