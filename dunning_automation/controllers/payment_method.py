# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import http
from odoo.http import request

from odoo.addons.payment import utils as payment_utils

from ..models.payment_token import PAYMENT_METHOD_PATH
from .portal import DunningPortal


class DunningPaymentMethodPortal(DunningPortal):
    """Odoo's payment-method page for the customer of a signed link (the failure email
    of an automatic charge): the card saved there is the one the next retry charges."""

    @http.route(
        PAYMENT_METHOD_PATH,
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def portal_dunning_payment_method(self, **params):
        access = self._get_dunning_access(params)
        if not access:
            return self._render_dunning_invalid_link(params)
        company, partner, _link = access
        report = {}
        providers = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id,
                partner.id,
                0.0,
                force_tokenization=True,
                is_validation=True,
                report=report,
            )
        )
        payment_methods = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers.ids, partner.id, force_tokenization=True, report=report
            )
        )
        tokens = (
            request.env["payment.token"]
            .sudo()
            ._get_available_tokens(None, partner.id, is_validation=True)
        )
        return request.render(
            "payment.payment_methods",
            {
                **self._prepare_portal_layout_values(),
                "mode": "validation",
                "allow_token_selection": False,
                "allow_token_deletion": False,
                "reference_prefix": payment_utils.singularize_reference_prefix(
                    prefix="V"
                ),
                "partner_id": partner.id,
                "providers_sudo": providers,
                "payment_methods_sudo": payment_methods,
                "tokens_sudo": tokens,
                "availability_report": report,
                "transaction_route": "/payment/transaction",
                "landing_route": "/payment/confirmation",
                "access_token": payment_utils.generate_access_token(
                    partner.id, None, None
                ),
            },
        )
