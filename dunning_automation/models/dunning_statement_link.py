# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The signed links of the customer portal: statements, payment tokens, fresh links."""

from datetime import timedelta
from urllib.parse import urlencode

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize
from odoo.tools.misc import consteq, hmac

STATEMENT_TOKEN_SCOPE = "dunning_automation.statement"
PAYMENT_TOKEN_SCOPE = "dunning_automation.payment"
STATEMENT_PATH = "/my/dunning/statement"
# Promises and disputes a customer may submit from the portal per hour.
PORTAL_RATE_LIMIT = 5
# Fresh statement links sent to one customer per day, whoever asks for them.
FRESH_LINK_LIMIT = 3
# The largest id PostgreSQL stores in an integer column.
MAX_ID = 2**31 - 1


def _same_signature(expected, signature):
    """Constant-time comparison that also accepts a signature with non-ASCII characters
    (``hmac.compare_digest`` raises on those when given str)."""
    return isinstance(signature, str) and consteq(expected.encode(), signature.encode())


def _parse_id(value):
    """``value`` as a database id, else None (garbage, zero, out of range)."""
    try:
        record_id = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return record_id if 0 < record_id <= MAX_ID else None


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # STATEMENT LINKS
    # ------------------------------------------------------------------

    def _dunning_statement_token(self, company, expires):
        """The signature of this commercial partner's statement link at ``company``."""
        self.ensure_one()
        return hmac(
            self.env(su=True),
            STATEMENT_TOKEN_SCOPE,
            (company.id, self.id, expires.isoformat()),
        )

    def _dunning_statement_query(self, company, from_date):
        """The query parameters of a fresh statement link, valid as the company says."""
        self.ensure_one()
        expires = from_date + timedelta(days=company.dunning_statement_link_days)
        return {
            "company_id": company.id,
            "partner_id": self.id,
            "expires": expires.isoformat(),
            "token": self._dunning_statement_token(company, expires),
        }

    def _dunning_statement_url(self, company, from_date, path=STATEMENT_PATH):
        """The absolute URL of a fresh statement link (or of another page the link
        opens: ``path``)."""
        self.ensure_one()
        query = self._dunning_statement_query(company, from_date)
        return f"{company.get_base_url()}{path}?{urlencode(query)}"

    @api.model
    def _dunning_statement_access(self, company_id, partner_id, expires, token):
        """(company, commercial partner) a statement link gives access to, or None when
        it is forged, altered, truncated or expired. The signature is compared in
        constant time."""
        company_id, partner_id = _parse_id(company_id), _parse_id(partner_id)
        try:
            expires_date = (
                fields.Date.to_date(expires) if isinstance(expires, str) else None
            )
        except ValueError:
            expires_date = None
        if not (
            company_id and partner_id and expires_date
        ) or expires_date < fields.Date.context_today(self):
            return None
        expected = hmac(
            self.env(su=True),
            STATEMENT_TOKEN_SCOPE,
            (company_id, partner_id, expires_date.isoformat()),
        )
        if not _same_signature(expected, token):
            return None
        company = self.env["res.company"].sudo().browse(company_id).exists()
        partner = self.sudo().browse(partner_id).exists()
        if not company or not partner or partner.commercial_partner_id != partner:
            return None
        return company, partner

    @api.model
    def _dunning_send_fresh_statement_link(self, company_id, email):
        """Email a fresh statement link to the customer whose reminders go to ``email``.

        Asked for from the page of an expired or invalid link, by anyone: the link only
        goes to the address on file (the customer's dunning contact), at most
        ``FRESH_LINK_LIMIT`` times a day per customer, and the caller learns nothing,
        whatever happens (no such address, limit reached). ``company_id`` comes from the
        old link; the current company otherwise.

        :raise UserError: ``email`` is not an email address (which says nothing about
            anyone)
        """
        normalized = email_normalize(email) if isinstance(email, str) else False
        if not normalized:
            raise UserError(self.env._("Please enter a valid email address."))
        Partner = self.sudo()
        company = (
            self.env["res.company"].sudo().browse(_parse_id(company_id)).exists()
            or self.env.company
        )
        customers = Partner.search(
            [("email_normalized", "=", normalized)]
        ).commercial_partner_id.filtered(
            lambda partner: (
                partner.customer_rank
                and partner._dunning_contact().email_normalized == normalized
            )
        )
        since = fields.Datetime.subtract(self.env.cr.now(), days=1)
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "dunning_automation.mt_statement_link"
        )
        recent = dict(
            self.env["mail.message"]
            .sudo()
            ._read_group(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "in", customers.ids),
                    ("subtype_id", "=", subtype_id),
                    ("create_date", ">=", since),
                ],
                groupby=["res_id"],
                aggregates=["__count"],
            )
        )
        template = self.env.ref(
            "dunning_automation.mail_template_statement_link"
        ).sudo()
        today = fields.Date.context_today(self)
        for customer in customers.filtered(
            lambda partner: recent.get(partner.id, 0) < FRESH_LINK_LIMIT
        ):
            template.with_context(
                dunning_company=company,
                dunning_statement_url=customer._dunning_statement_url(company, today),
            ).send_mail(customer.id)
            customer.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "A fresh account statement link was sent to %(email)s on request.",
                    email=normalized,
                ),
                author_id=company.partner_id.id,
                subtype_xmlid="dunning_automation.mt_statement_link",
            )

    # ------------------------------------------------------------------
    # PAYMENT TOKENS
    # ------------------------------------------------------------------

    def _dunning_payment_token(self, company, moves):
        """A token that lets the payment form pay ``moves``, open invoices of this
        customer at ``company``: ``company-partner-ids-signature``."""
        self.ensure_one()
        move_ids = tuple(sorted(moves.ids))
        signature = hmac(
            self.env(su=True), PAYMENT_TOKEN_SCOPE, (company.id, self.id, move_ids)
        )
        return f"{company.id}-{self.id}-{'.'.join(map(str, move_ids))}-{signature}"

    @api.model
    def _dunning_payment_access(self, token):
        """(company, commercial partner, invoice ids) a payment token was issued for, or
        None when it is forged, altered or truncated. The signature is compared in
        constant time."""
        if not isinstance(token, str) or token.count("-") != 3:
            return None
        company_id, partner_id, move_ids, signature = token.split("-")
        company_id, partner_id = _parse_id(company_id), _parse_id(partner_id)
        move_ids = tuple(_parse_id(move_id) for move_id in move_ids.split("."))
        if not (company_id and partner_id and all(move_ids)):
            return None
        expected = hmac(
            self.env(su=True), PAYMENT_TOKEN_SCOPE, (company_id, partner_id, move_ids)
        )
        if not _same_signature(expected, signature):
            return None
        return (
            self.env["res.company"].sudo().browse(company_id),
            self.sudo().browse(partner_id),
            move_ids,
        )

    # ------------------------------------------------------------------
    # PROMISES AND DISPUTES
    # ------------------------------------------------------------------

    def _dunning_check_portal_rate_limit(self):
        """Refuse a promise or dispute when the customer sent too many this hour."""
        self.ensure_one()
        # the database clock, the one ``create_date`` is written with
        since = fields.Datetime.subtract(self.env.cr.now(), hours=1)
        recent = sum(
            self.env[model]
            .sudo()
            .search_count([("partner_id", "=", self.id), ("create_date", ">=", since)])
            for model in ("dunning.promise", "dunning.dispute")
        )
        if recent >= PORTAL_RATE_LIMIT:
            raise UserError(
                self.env._(
                    "Too many requests: please try again in an hour or contact us "
                    "directly."
                )
            )
