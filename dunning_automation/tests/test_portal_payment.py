# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import MissingError, UserError
from odoo.tests import HttpCase, tagged

from .common import TODAY, days
from .test_portal import DunningPortalCommon


def demo_provider(company):
    """Odoo's demo payment provider of ``company``, enabled in test mode."""
    provider = (
        company.env["payment.provider"]
        .sudo()
        .search([("code", "=", "demo"), ("company_id", "=", company.id)], limit=1)
    )
    if not provider:
        raise AssertionError(
            "These tests pay with Odoo's demo payment provider: install "
            "payment_demo with "
            "dunning_automation (`make test` does)."
        )
    provider.write({"state": "test", "is_published": True})
    return provider


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningPortalPaymentModels(DunningPortalCommon):
    """What a payment may cover, its token, the overdue counter and the statement
    PDF."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overdue = cls._invoice(cls.customer, days(-10), amount=1000.0)
        cls.older = cls._invoice(cls.customer, days(-40), amount=300.0)
        cls.due = cls._invoice(cls.customer, days(10), amount=500.0)
        cls.others = cls._invoice(cls.other_customer, days(-10), amount=700.0)

    def test_payable_selection(self):
        payable = self.customer._dunning_payable_invoices
        self.assertEqual(
            payable(self.company, [self.overdue.id, self.due.id]),
            self.overdue + self.due,
        )
        with self.assertRaises(MissingError):
            payable(self.company, [self.overdue.id, self.others.id])
        self._pay(self.older)
        with self.assertRaises(MissingError, msg="a paid invoice is no longer payable"):
            payable(self.company, [self.older.id])
        eur = self.setup_other_currency("EUR")
        in_eur = self._invoice(
            self.customer, days(-3), amount=200.0, currency_id=eur.id
        )
        with self.assertRaisesRegex(UserError, "each currency separately"):
            payable(self.company, [self.overdue.id, in_eur.id])

    def test_payable_everything_overdue(self):
        usd = self.company.currency_id
        payable = self.customer._dunning_payable_invoices
        self.assertEqual(
            payable(self.company, currency_id=usd.id),
            self.older + self.overdue,
            "not the invoice not due",
        )
        self._dispute(self.older)
        self._promise(self.overdue, str(days(7)))
        self.assertEqual(
            payable(self.company, currency_id=usd.id),
            self.overdue,
            "a promised invoice is payable, not a disputed one",
        )
        eur = self.setup_other_currency("EUR")
        with self.assertRaisesRegex(UserError, "nothing to pay"):
            payable(self.company, currency_id=eur.id)

    def test_payment_token(self):
        Partner = self.env["res.partner"]
        moves = self.overdue + self.older
        token = self.customer._dunning_payment_token(self.company, moves)
        self.assertEqual(
            Partner._dunning_payment_access(token),
            (self.company, self.customer, tuple(sorted(moves.ids))),
        )
        company_id, partner_id, move_ids, signature = token.split("-")
        forged = [
            f"{company_id}-{self.other_customer.id}-{move_ids}-{signature}",
            f"{company_id}-{partner_id}-{move_ids}.{self.others.id}-{signature}",
            f"{company_id}-{partner_id}-{self.overdue.id}-{signature}",
            f"{int(company_id) + 1}-{partner_id}-{move_ids}-{signature}",
            f"{company_id}-{partner_id}-{move_ids}-{signature[::-1]}",
            "1-2-x-abc",
            "",
            "1-2-3",
            None,
        ]
        for token in forged:
            with self.subTest(token=token):
                self.assertIsNone(Partner._dunning_payment_access(token))

    def test_overdue_counter(self):
        self.assertEqual(self.customer._dunning_overdue_count(self.company), 2)
        self._promise(self.overdue, str(days(7)))
        self._dispute(self.older)
        self.assertEqual(
            self.customer._dunning_overdue_count(self.company),
            0,
            "promised and disputed are not counted",
        )
        self.overdue.action_dunning_resume()
        self.overdue.dunning_pause_reason = "manual"
        self.overdue.dunning_paused_until = days(5)
        # our own pause puts the invoice on hold: not chased, not overdue, the same for
        # the reminders, the statement and this counter (engine.move_status)
        self.assertEqual(self.customer._dunning_overdue_count(self.company), 0)
        self.assertEqual(self.overdue._dunning_portal_status(TODAY), "paused")

    def test_statement_pdf(self):
        content, filename = self.customer._dunning_statement_pdf(self.company)
        self.assertEqual(filename, "Statement - Cascade Foods.pdf")
        # tests render reports as HTML unless asked: the same content, readable
        html = content.decode()
        for invoice in self.overdue + self.older + self.due:
            self.assertIn(invoice.name, html)
        self.assertNotIn(self.others.name, html)
        self.assertIn("Account Statement", html)
        self.assertIn(
            'text-bg-danger">Overdue</span>', html, "the portal's status badges"
        )
        self.assertIn('text-bg-secondary">Due</span>', html)
        self._pay(self.older)
        html = self.customer._dunning_statement_pdf(self.company)[0].decode()
        self.assertNotIn(
            self.older.name,
            html.split("Payments of the Last 12 Months")[0],
            "paid: not open any more",
        )

    def test_reminder_attaches_statement(self):
        self.first.attach_statement_pdf = True
        self._run(days(0))
        communication = self._communications(self.customer)
        attachment = communication.mail_id.attachment_ids
        self.assertEqual(attachment.name, "Statement - Cascade Foods.pdf")
        self.assertEqual(
            (attachment.res_model, attachment.res_id),
            ("dunning.communication", communication.id),
        )
        self.assertIn(self.overdue.name, attachment.raw.decode())
        other = self._communications(self.other_customer)
        self.assertEqual(
            other.mail_id.attachment_ids.name,
            "Statement - Harbor Tools.pdf",
            "each customer its own",
        )


@tagged("post_install", "-at_install")
class TestDunningPortalPaymentHttp(DunningPortalCommon, HttpCase):
    """Pay now through Odoo's payment stack and the demo provider (dates relative to the
    real today)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = demo_provider(cls.company)
        cls.payment_method = cls.env.ref("payment_demo.payment_method_demo")
        today = fields.Date.today()
        cls.overdue = cls._invoice(
            cls.customer, today - timedelta(days=10), amount=1000.0
        )
        cls.older = cls._invoice(cls.customer, today - timedelta(days=40), amount=300.0)
        cls.due = cls._invoice(cls.customer, today + timedelta(days=10), amount=500.0)
        cls.others = cls._invoice(
            cls.other_customer, today - timedelta(days=10), amount=700.0
        )
        cls.link = cls.customer._dunning_statement_query(cls.company, today)

    def _url(self, path, **query):
        return f"{path}?{urlencode({**self.link, **query}, doseq=True)}"

    def _transaction(self, token, amount):
        """The JSON-RPC answer of the transaction route, as the payment form calls
        it."""
        params = {
            "access_token": token,
            "amount": amount,
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method.id,
            "token_id": None,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "https://attacker.example.com",
            "is_validation": False,
        }
        response = self.url_open(
            "/my/dunning/transaction",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def _transaction_error(self, token, amount):
        return self._transaction(token, amount)["error"]["data"]["message"]

    def test_pay_page(self):
        self.authenticate(None, None)
        response = self.url_open(
            self._url("/my/dunning/pay", move_ids=[self.overdue.id, self.older.id])
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.overdue.name, response.text)
        self.assertIn(self.older.name, response.text)
        self.assertNotIn(self.due.name, response.text)
        self.assertIn('id="o_payment_form"', response.text)
        self.assertIn('data-amount="1300.0"', response.text)
        # everything overdue in a currency
        response = self.url_open(
            self._url("/my/dunning/pay", currency_id=self.company.currency_id.id)
        )
        self.assertIn(self.overdue.name, response.text)
        self.assertIn(self.older.name, response.text)
        self.assertNotIn(self.due.name, response.text)
        # another customer's invoice or no link: nothing shown
        for path in (
            self._url("/my/dunning/pay", move_ids=self.others.id),
            f"/my/dunning/pay?move_ids={self.overdue.id}",
        ):
            with self.subTest(path=path):
                response = self.url_open(path)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(self.others.name, response.text)
                self.assertNotIn(self.overdue.name, response.text)

    def test_pay_two_invoices(self):
        """The transaction pays what is due now; reconciled, the invoices leave dunning
        at once."""
        self._run(fields.Date.today())
        reminded = self._communications(self.customer)
        self.assertTrue(reminded)
        self.authenticate(None, None)
        moves = self.overdue + self.older
        token = self.customer._dunning_payment_token(self.company, moves)
        self.assertIn(
            "invalid",
            self._transaction_error(
                token[:-1] + ("0" if token[-1] != "0" else "1"), 1300.0
            ),
        )
        self.assertIn("amount due has changed", self._transaction_error(token, 1000.0))
        values = self._transaction(token, 1300.0)["result"]
        tx = self.env["payment.transaction"].search(
            [("reference", "=", values["reference"])]
        )
        self.assertEqual(tx.invoice_ids, moves)
        self.assertEqual(
            (tx.amount, tx.currency_id, tx.partner_id),
            (1300.0, self.company.currency_id, self.customer),
        )
        landing = urlsplit(tx.landing_route)
        self.assertEqual(
            landing.path, "/my/dunning/statement", "never where the browser asked"
        )
        self.assertEqual(dict(parse_qsl(landing.query))["message"], "paid")
        # the demo provider confirms, the status page post-processes it as for a
        # customer
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": tx.reference,
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        self.make_jsonrpc_request("/payment/status/poll", {})
        self.assertEqual(tx.state, "done")
        self.assertEqual(
            set(moves.mapped("payment_state")) - {"paid", "in_payment"}, set()
        )
        self.assertEqual(set(moves.mapped("dunning_state")), {"paid"})
        self.assertIn("paid already", self._transaction_error(token, 1300.0))
        # a later run sends nothing more about them
        self._run(fields.Date.today() + timedelta(days=30))
        later = self._communications(self.customer) - reminded
        self.assertTrue(later, "the invoice not due then is reminded")
        self.assertFalse(later.move_ids & moves)

    def test_tour_pay_two_overdue_invoices(self):
        self.start_tour(
            self._url("/my/dunning/statement"), "dunning_portal_pay", login=None
        )
        moves = self.overdue + self.older
        tx = self.env["payment.transaction"].search([("invoice_ids", "in", moves.ids)])
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.invoice_ids, moves)
        self.assertEqual(set(moves.mapped("dunning_state")), {"paid"})
        self.assertNotEqual(self.due.payment_state, "paid")
