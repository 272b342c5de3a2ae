# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL

from .. import engine


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model
    def _dunning_open_domain(self):
        """The open receivable items (``engine``'s definition) as a domain, for searches
        and ``filtered_domain``: the SQL of :meth:`_dunning_open_sql` says the same."""
        return Domain(
            [
                ("parent_state", "=", engine.POSTED_STATE),
                ("account_type", "=", engine.RECEIVABLE_ACCOUNT_TYPE),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
                ("move_id.payment_state", "not in", engine.CLOSED_PAYMENT_STATES),
            ]
        )

    @api.model
    def _dunning_open_sql(self, line, move, account):
        """The open receivable items as an SQL condition on the aliases ``line``
        (account_move_line), ``move`` (its account_move) and ``account`` (its
        account_account)."""
        line, move, account = (SQL.identifier(alias) for alias in (line, move, account))
        return SQL(
            """%(line)s.parent_state = %(posted)s
               AND %(account)s.account_type = %(receivable)s
               AND NOT %(line)s.reconciled
               AND %(line)s.amount_residual != 0
               AND (%(move)s.payment_state IS NULL
                    OR %(move)s.payment_state NOT IN %(closed)s)""",
            line=line,
            move=move,
            account=account,
            posted=engine.POSTED_STATE,
            receivable=engine.RECEIVABLE_ACCOUNT_TYPE,
            closed=engine.CLOSED_PAYMENT_STATES,
        )

    @api.model
    def _dunning_due_date_sql(self, line, move):
        """The due date of an item (``engine.due_date_of``) as SQL on the aliases
        ``line`` and ``move``: its maturity, else its invoice date, else its date."""
        line, move = SQL.identifier(line), SQL.identifier(move)
        return SQL(
            "COALESCE(%s.date_maturity, %s.invoice_date, %s.date)", line, move, line
        )

    def _dunning_engine_items(self):
        """These lines, as far as they are open items, as engine items (one move's, from
        the cache: the run and the statement read them in SQL)."""
        return [
            engine.OpenItem(
                line_id=line.id,
                move_id=line.move_id.id,
                partner_id=line.partner_id.commercial_partner_id.id,
                date_maturity=line.date_maturity or None,
                amount_residual=line.amount_residual,
                invoice_date=line.move_id.invoice_date or None,
                level_id=line.move_id.dunning_level_id.id or None,
                last_date=line.move_id.dunning_last_date or None,
                paused_until=line.move_id.dunning_paused_until or None,
                pause_reason=line.move_id.dunning_pause_reason or None,
                currency_id=line.currency_id.id,
                amount_residual_currency=line.amount_residual_currency,
            )
            for line in self.filtered_domain(self._dunning_open_domain())
        ]
