# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.dunning_dispute import MAX_ATTACHMENT_SIZE

ACCESS_PARAMS = ("company_id", "partner_id", "expires", "token")
STATEMENT_URL = "/my/dunning/statement"
# The payment date the promise form suggests.
DEFAULT_PROMISE_DAYS = 7


class DunningPortal(CustomerPortal):
    """Account statement, promise to pay and dispute, for portal users or through a signed link."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "dunning_overdue_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            values["dunning_overdue_count"] = request.env["account.move"].sudo().search_count([
                *partner._dunning_open_invoice_domain(request.env.company),
                ("invoice_date_due", "<", fields.Date.context_today(partner)),
            ])
        return values

    def _get_dunning_access(self, params):
        """(company, commercial partner, link parameters) the request may see, else 404.

        With a token, the signed link decides; without, the logged-in user's commercial entity.
        """
        if params.get("token"):
            access = request.env["res.partner"]._dunning_statement_access(*(params.get(key) for key in ACCESS_PARAMS))
            if not access:
                raise NotFound()
            return *access, {key: params[key] for key in ACCESS_PARAMS}
        if request.env.user._is_public():
            raise NotFound()
        return request.env.company, request.env.user.partner_id.commercial_partner_id.sudo(), {}

    def _get_dunning_statement_url(self, link, **extra):
        query = {**link, **extra}
        return f"{STATEMENT_URL}?{urlencode(query)}" if query else STATEMENT_URL

    def _get_dunning_move_ids(self):
        try:
            return [int(move_id) for move_id in request.httprequest.form.getlist("move_ids")]
        except ValueError:
            raise NotFound() from None

    def _render_dunning_statement(self, company, partner, link, error=None, message=None):
        today = fields.Date.context_today(partner)
        values = {
            **self._prepare_portal_layout_values(),
            **partner._dunning_statement_values(company, today),
            "page_name": "dunning_statement",
            "company": company,
            "partner": partner,
            "link": link,
            "today": today,
            "default_promise_date": fields.Date.add(today, days=DEFAULT_PROMISE_DAYS),
            "error": error,
            "message": message,
            "dispute_reasons": request.env["dunning.dispute"]._fields["reason"]._description_selection(request.env),
        }
        return request.render("dunning_automation.portal_dunning_statement", values)

    @http.route(STATEMENT_URL, type="http", auth="public", website=True, methods=["GET"])
    def portal_dunning_statement(self, message=None, **params):
        company, partner, link = self._get_dunning_access(params)
        return self._render_dunning_statement(company, partner, link, message=message)

    def _dunning_submit(self, params, create, message):
        """Run ``create(company, partner)``: back to the statement with ``message``, or with the error."""
        company, partner, link = self._get_dunning_access(params)
        try:
            create(company, partner)
        except MissingError:
            raise NotFound() from None
        except (UserError, ValidationError) as error:
            return self._render_dunning_statement(company, partner, link, error=str(error))
        return request.redirect(self._get_dunning_statement_url(link, message=message))

    @http.route("/my/dunning/promise", type="http", auth="public", website=True, methods=["POST"])
    def portal_dunning_promise(self, promise_date=None, amount=None, **params):
        move_ids = self._get_dunning_move_ids()
        return self._dunning_submit(
            params,
            lambda company, partner: request.env["dunning.promise"].sudo()._portal_create(
                company, partner, move_ids, promise_date, amount
            ),
            "promise",
        )

    @http.route("/my/dunning/dispute", type="http", auth="public", website=True, methods=["POST"])
    def portal_dunning_dispute(self, move_id=None, reason=None, message=None, attachment=None, **params):
        try:
            move_id = int(move_id)
        except (TypeError, ValueError):
            raise NotFound() from None
        # one byte more than allowed is enough to refuse a file too large
        upload = (attachment.filename, attachment.read(MAX_ATTACHMENT_SIZE + 1)) if attachment and attachment.filename else None
        return self._dunning_submit(
            params,
            lambda company, partner: request.env["dunning.dispute"].sudo()._portal_create(
                company, partner, move_id, reason, message, upload
            ),
            "dispute",
        )
