# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math
from urllib.parse import urlencode

from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import MethodNotAllowed, NotFound

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import content_disposition, request

from odoo.addons.account_payment.controllers.payment import PaymentPortal
from odoo.addons.account_payment.controllers.portal import PortalAccount

from ..models.dunning_dispute import MAX_ATTACHMENT_SIZE
from ..models.dunning_statement_link import _parse_id

ACCESS_PARAMS = ("company_id", "partner_id", "expires", "token")
STATEMENT_URL = "/my/dunning/statement"
STATEMENT_PDF_URL = "/my/dunning/statement/pdf"
FRESH_LINK_URL = "/my/dunning/statement/fresh_link"
PAY_URL = "/my/dunning/pay"
TRANSACTION_URL = "/my/dunning/transaction"
# The payment date the promise form suggests.
DEFAULT_PROMISE_DAYS = 7


class DunningPortal(PortalAccount, PaymentPortal):
    """Account statement, payment, promise to pay and dispute, for portal users or
    through a signed link."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "dunning_overdue_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            values["dunning_overdue_count"] = partner._dunning_overdue_count(
                request.env.company
            )
        return values

    @http.route()
    def home(self, **kw):
        """The portal home, with a notice when the customer has overdue invoices."""
        response = super().home(**kw)
        partner = request.env.user.partner_id.commercial_partner_id
        response.qcontext["dunning_overdue_notice"] = partner._dunning_overdue_count(
            request.env.company
        )
        return response

    def _get_dunning_access(self, params):
        """(company, commercial partner, link parameters) the request may see, else
        None.

        With a token, the signed link decides; without, the logged-in user's commercial
        entity.
        """
        if params.get("token"):
            access = request.env["res.partner"]._dunning_statement_access(
                *(params.get(key) for key in ACCESS_PARAMS)
            )
            return access and (*access, {key: params[key] for key in ACCESS_PARAMS})
        if request.env.user._is_public():
            return None
        return (
            request.env.company,
            request.env.user.partner_id.commercial_partner_id.sudo(),
            {},
        )

    def _render_dunning_invalid_link(self, params, sent=False, error=None):
        """The page of an expired, altered or truncated link, where the customer asks
        for a fresh one.

        The same for every invalid link (404, as if there was nothing): it shows nothing
        of the link.
        """
        values = {
            **self._prepare_portal_layout_values(),
            "page_name": "dunning_invalid_link",
            "company_id": _parse_id(params.get("company_id")) or "",
            "sent": sent,
            "error": error,
        }
        return request.render(
            "dunning_automation.portal_dunning_invalid_link", values, status=404
        )

    def _check_dunning_post(self):
        """Only POST writes: Odoo adds OPTIONS to every route, without CSRF check."""
        if request.httprequest.method != "POST":
            raise MethodNotAllowed(valid_methods=["POST"])

    @staticmethod
    def _get_dunning_text(value):
        """A text form field: a file sent in its place is refused."""
        if value is not None and not isinstance(value, str):
            raise UserError(
                request.env._(
                    "Please type the answer of each field: files go in the attachment "
                    "only."
                )
            )
        return value

    def _get_dunning_url(self, link, path=STATEMENT_URL, **extra):
        """``path`` (a dunning portal route) with the signed ``link`` and ``extra``."""
        query = {**link, **extra}
        return f"{path}?{urlencode(query)}" if query else path

    def _get_dunning_move_ids(self):
        move_ids = [
            _parse_id(move_id)
            for move_id in request.httprequest.values.getlist("move_ids")
        ]
        if not all(move_ids):
            raise NotFound()
        return move_ids

    def _render_dunning_statement(
        self, company, partner, link, error=None, message=None
    ):
        today = fields.Date.context_today(partner)
        statement = partner._dunning_statement_values(company, today)
        values = {
            **self._prepare_portal_layout_values(),
            **statement,
            "page_name": "dunning_statement",
            "company": company,
            "partner": partner,
            "link": link,
            "today": today,
            "default_promise_date": fields.Date.add(today, days=DEFAULT_PROMISE_DAYS),
            "error": error,
            "message": message,
            "dispute_reasons": request.env["dunning.dispute"]
            ._fields["reason"]
            ._description_selection(request.env),
            "pay_url": PAY_URL,
            "pay_overdue_urls": {
                total["currency"].id: self._get_dunning_url(
                    link, PAY_URL, currency_id=total["currency"].id
                )
                for total in statement["totals"]
            },
            "pdf_url": self._get_dunning_url(link, STATEMENT_PDF_URL),
        }
        return request.render("dunning_automation.portal_dunning_statement", values)

    @http.route(
        STATEMENT_URL, type="http", auth="public", website=True, methods=["GET"]
    )
    def portal_dunning_statement(self, message=None, **params):
        access = self._get_dunning_access(params)
        if not access:
            return self._render_dunning_invalid_link(params)
        return self._render_dunning_statement(*access, message=message)

    @http.route(
        FRESH_LINK_URL,
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def portal_dunning_fresh_link(self, company_id=None, email=None, **_params):
        """Send a fresh statement link to the address on file; the answer says nothing
        of anyone."""
        self._check_dunning_post()
        try:
            request.env["res.partner"]._dunning_send_fresh_statement_link(
                company_id, email
            )
        except UserError as error:
            return self._render_dunning_invalid_link(
                {"company_id": company_id}, error=str(error)
            )
        return self._render_dunning_invalid_link({"company_id": company_id}, sent=True)

    @http.route(
        STATEMENT_PDF_URL,
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def portal_dunning_statement_pdf(self, **params):
        access = self._get_dunning_access(params)
        if not access:
            return self._render_dunning_invalid_link(params)
        company, partner, _link = access
        pdf, filename = partner._dunning_statement_pdf(company)
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    def _dunning_submit(self, params, create, message):
        """Run ``create(company, partner)``: back to the statement with ``message``, or
        with the error."""
        self._check_dunning_post()
        access = self._get_dunning_access(params)
        if not access:
            return self._render_dunning_invalid_link(params)
        company, partner, link = access
        try:
            create(company, partner)
        except MissingError:
            raise NotFound() from None
        except (UserError, ValidationError) as error:
            return self._render_dunning_statement(
                company, partner, link, error=str(error)
            )
        return request.redirect(self._get_dunning_url(link, message=message))

    @http.route(
        "/my/dunning/promise",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_dunning_promise(self, promise_date=None, amount=None, **params):
        move_ids = self._get_dunning_move_ids()
        return self._dunning_submit(
            params,
            lambda company, partner: (
                request.env["dunning.promise"]
                .sudo()
                ._portal_create(
                    company,
                    partner,
                    move_ids,
                    self._get_dunning_text(promise_date),
                    self._get_dunning_text(amount),
                )
            ),
            "promise",
        )

    @http.route(
        "/my/dunning/dispute",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_dunning_dispute(
        self, move_id=None, reason=None, message=None, attachment=None, **params
    ):
        move_id = _parse_id(move_id)
        if not move_id:
            raise NotFound()

        def create(company, partner):
            if attachment is not None and not isinstance(attachment, FileStorage):
                raise UserError(request.env._("The attachment must be a file."))
            # one byte more than allowed is enough to refuse a file too large
            upload = None
            if attachment and attachment.filename:
                upload = (attachment.filename, attachment.read(MAX_ATTACHMENT_SIZE + 1))
            return (
                request.env["dunning.dispute"]
                .sudo()
                ._portal_create(
                    company,
                    partner,
                    move_id,
                    self._get_dunning_text(reason),
                    self._get_dunning_text(message),
                    upload,
                )
            )

        return self._dunning_submit(params, create, "dispute")

    # ------------------------------------------------------------------
    # PAY NOW
    # ------------------------------------------------------------------

    @http.route(
        PAY_URL,
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def portal_dunning_pay(self, currency_id=None, **params):
        """Payment form of the ticked invoices, else all overdue in ``currency_id``."""
        access = self._get_dunning_access(params)
        if not access:
            return self._render_dunning_invalid_link(params)
        company, partner, link = access
        try:
            moves = partner._dunning_payable_invoices(
                company, self._get_dunning_move_ids(), _parse_id(currency_id)
            )
        except MissingError:
            raise NotFound() from None
        except AccessError:
            raise  # a UserError too, but not one to show on the statement
        except UserError as error:
            return self._render_dunning_statement(
                company, partner, link, error=str(error)
            )
        amount = sum(moves.mapped("amount_residual"))
        payment_values = self._get_common_page_view_values(
            invoices_data={
                "partner": partner,
                "company": company,
                "total_amount": amount,
                "currency": moves.currency_id,
                "amount_residual": amount,
                "landing_route": STATEMENT_URL,  # the transaction sets the real one
                "transaction_route": TRANSACTION_URL,
            },
            access_token=partner._dunning_payment_token(company, moves),
        )
        values = {
            **self._prepare_portal_layout_values(),
            **payment_values,
            "page_name": "dunning_pay",
            "company": company,
            "partner": partner,
            "moves": moves,
            "amount": amount,
            "statement_url": self._get_dunning_url(link),
        }
        return request.render("dunning_automation.portal_dunning_pay", values)

    @http.route(TRANSACTION_URL, type="jsonrpc", auth="public")
    def portal_dunning_transaction(self, access_token, amount=None, **kwargs):
        """Create the transaction that pays the invoices of a payment token, in their
        currency.

        The amount is what is still due on them now; the customer lands back on the
        statement.
        """
        access = request.env["res.partner"]._dunning_payment_access(access_token)
        if not access:
            raise ValidationError(request.env._("The payment link is invalid."))
        company, partner, move_ids = access
        try:
            moves = partner._dunning_payable_invoices(company, move_ids)
        except MissingError:
            raise ValidationError(
                request.env._(
                    "Some of these invoices are paid already: please reload the page."
                )
            ) from None
        currency = moves.currency_id
        due = sum(moves.mapped("amount_residual"))
        amount = self._cast_as_float(amount)
        if amount is None or not math.isfinite(amount):
            raise ValidationError(
                request.env._("The amount is not valid: please reload the page.")
            )
        if currency.compare_amounts(amount, due):
            raise ValidationError(
                request.env._("The amount due has changed: please reload the page.")
            )
        self._validate_transaction_kwargs(kwargs)
        user_partner = request.env.user.partner_id
        payer = (
            user_partner if user_partner.commercial_partner_id == partner else partner
        )
        link = partner._dunning_statement_query(
            company, fields.Date.context_today(partner)
        )
        kwargs["landing_route"] = self._get_dunning_url(link, message="paid")
        reference = (
            None if len(moves) == 1 else company.get_next_batch_payment_communication()
        )
        return self._process_transaction(
            payer.id, currency.id, moves.ids, reference, amount=due, **kwargs
        )
