# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
from datetime import timedelta
from urllib.parse import urlencode

from odoo import fields, http
from odoo.tests import HttpCase, tagged

from .test_portal import EXE, PDF, DunningPortalCommon
from .test_portal_payment import demo_provider

HUGE_ID = "99999999999999999999"


@tagged("post_install", "-at_install")
class TestDunningPortalFuzz(DunningPortalCommon, HttpCase):
    """Hostile input at every portal route, as a fuzzer sends it: a clear answer, never
    a server error, and nothing written (bad inputs #19-#25, #29)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.overdue = cls._invoice(
            cls.customer, today - timedelta(days=10), amount=1000.0
        )
        cls.others = cls._invoice(
            cls.other_customer, today - timedelta(days=10), amount=700.0
        )
        cls.link = cls.customer._dunning_statement_query(cls.company, today)
        cls.promise_date = str(today + timedelta(days=7))
        cls.provider = demo_provider(cls.company)

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    def _post(self, path, data, files=None, method=None):
        data = {**self.link, **data, "csrf_token": http.Request.csrf_token(self)}
        return self.url_open(
            path,
            data=data,
            files=files,
            allow_redirects=False,
            method=method,
            timeout=60,
        )

    def assertNothingWritten(self):
        self.assertFalse(self.env["dunning.promise"].search([]))
        self.assertFalse(self.env["dunning.dispute"].search([]))
        self.assertFalse(
            self.env["ir.attachment"].search([("res_model", "=", "dunning.dispute")])
        )
        self.assertFalse((self.overdue + self.others).filtered("dunning_pause_reason"))
        self.assertFalse(
            self.env["payment.transaction"].search(
                [("invoice_ids", "in", self.overdue.ids)]
            )
        )

    def assertAnswer(self, response, status, text=None):
        self.assertEqual(response.status_code, status, response.text[:500])
        if text:
            self.assertIn(text, response.text)

    def test_tokens_with_any_character(self):
        """A non-ASCII, truncated or altered signature is an invalid link, not a
        TypeError."""
        token = self.link["token"]
        for bad in (
            token[:-1] + "é",
            "é" * len(token),
            token + "\u202e",
            "\u200b",
            token[:10],
            "%00",
            "🙂",
        ):
            for path in (
                "/my/dunning/statement",
                "/my/dunning/statement/pdf",
                "/my/dunning/pay",
            ):
                with self.subTest(token=bad, path=path):
                    response = self.url_open(
                        f"{path}?{urlencode({**self.link, 'token': bad})}"
                    )
                    self.assertAnswer(response, 404, "has expired or is not valid")
                    self.assertNotIn(self.customer.name, response.text)
        payment_token = self.customer._dunning_payment_token(self.company, self.overdue)
        for bad in (
            payment_token[:-1] + "é",
            f"1-2-{HUGE_ID}-é",
            "é-é-é-é",
            12,
            ["x"],
            {"a": 1},
            None,
        ):
            with self.subTest(payment_token=bad):
                self.assertIn("invalid", self._transaction_error(bad, "1000.0"))
        self.assertNothingWritten()

    def _transaction_error(self, token, amount):
        """The error the transaction route answers, with ``amount`` written as is in the
        JSON."""
        params = json.dumps(
            {
                "access_token": token,
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref(
                    "payment_demo.payment_method_demo"
                ).id,
                "token_id": None,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/",
                "is_validation": False,
            }
        )
        body = (
            f'{{"jsonrpc": "2.0", "method": "call", "params": {{"amount": {amount}, '
            f"{params[1:]}}}"
        )
        response = self.url_open(
            "/my/dunning/transaction",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        error = response.json()["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.ValidationError", error)
        return error["message"]

    def test_transaction_amounts(self):
        token = self.customer._dunning_payment_token(self.company, self.overdue)
        amounts = (
            "NaN",
            "Infinity",
            "-Infinity",
            "1e309",
            '"nan"',
            '"inf"',
            '"1e309"',
            '"abc"',
            "[]",
            "{}",
            "null",
        )
        for amount in amounts:
            with self.subTest(amount=amount):
                self.assertIn("amount", self._transaction_error(token, amount))
        self.assertNothingWritten()

    def test_promise_inputs(self):
        """Bad inputs #19-#22: each answered on the statement, nothing stored."""
        today = fields.Date.today()
        overdue = self.overdue.id
        bad = {
            "past date": (
                {"promise_date": str(today - timedelta(days=1))},
                "must be in the future",
            ),
            "5 years ahead": (
                {"promise_date": str(today + timedelta(days=5 * 365))},
                "at most 30 days",
            ),
            "garbage date": ({"promise_date": "2026-02-31"}, "choose the date"),
            "zero": ({"amount": "0"}, "positive number"),
            "a tenth of a cent": ({"amount": "0.001"}, "positive number"),
            "negative": ({"amount": "-5"}, "positive number"),
            "above residual": ({"amount": "1000.01"}, "cannot exceed"),
            "NaN": ({"amount": "NaN"}, "positive number"),
            "1e309": ({"amount": "1e309"}, "positive number"),
            "not a number": ({"amount": "١٠٠٠x"}, "must be a number"),
        }
        for label, (data, message) in bad.items():
            with self.subTest(label):
                data = {"move_ids": overdue, "promise_date": self.promise_date, **data}
                response = self._post("/my/dunning/promise", data)
                self.assertAnswer(response, 200, message)
        files = {
            "amount as a file": {"amount": ("amount.txt", b"100", "text/plain")},
            "date as a file": {
                "promise_date": ("date.txt", self.promise_date.encode(), "text/plain")
            },
        }
        for label, upload in files.items():
            with self.subTest(label):
                data = {"move_ids": overdue, "promise_date": self.promise_date}
                data = {key: value for key, value in data.items() if key not in upload}
                response = self._post("/my/dunning/promise", data, files=upload)
                self.assertAnswer(response, 200, "files go in the attachment only")
        not_found = {
            "another customer's invoice": {"move_ids": self.others.id},
            "an id out of range": {"move_ids": HUGE_ID},
            "a negative id": {"move_ids": "-1"},
        }
        for label, data in not_found.items():
            with self.subTest(label):
                response = self._post(
                    "/my/dunning/promise", {"promise_date": self.promise_date, **data}
                )
                self.assertAnswer(response, 404)
                self.assertNotIn(self.others.name, response.text)
        self.assertNothingWritten()

    def test_dispute_inputs(self):
        """Bad inputs #22-#25: each answered on the statement, nothing stored."""
        data = {
            "move_id": self.overdue.id,
            "reason": "wrong_amount",
            "message": "Too much.",
        }
        bad = {
            "1 MB of text": (
                {**data, "message": "x" * 1_000_000},
                None,
                "10000 characters",
            ),
            "an .exe": (
                data,
                {"attachment": ("setup.exe", EXE, "application/octet-stream")},
                "PDF, PNG and JPEG",
            ),
            "attachment as text": (
                {**data, "attachment": "proof.pdf"},
                None,
                "must be a file",
            ),
            "message as a file": (
                {k: v for k, v in data.items() if k != "message"},
                {"message": ("message.txt", b"Too much.", "text/plain")},
                "files go in the attachment only",
            ),
            "reason as a file": (
                {k: v for k, v in data.items() if k != "reason"},
                {"reason": ("reason.txt", b"other", "text/plain")},
                "files go in the attachment only",
            ),
        }
        for label, (form, files, message) in bad.items():
            with self.subTest(label):
                self.assertAnswer(
                    self._post("/my/dunning/dispute", form, files=files), 200, message
                )
        for size in (11, 50):
            with self.subTest(megabytes=size):
                huge = {
                    "attachment": (
                        "big.pdf",
                        PDF + b"0" * (size * 2**20),
                        "application/pdf",
                    )
                }
                response = self._post("/my/dunning/dispute", data, files=huge)
                # refused by the route, or before it by the database's upload limit
                # (web.max_file_upload_size)
                self.assertIn(response.status_code, (200, 413))
                if response.status_code == 200:
                    self.assertIn("10 MB", response.text)
        for move_id in (self.others.id, HUGE_ID, "1e3", ""):
            with self.subTest(move_id=move_id):
                self.assertAnswer(
                    self._post("/my/dunning/dispute", {**data, "move_id": move_id}), 404
                )
        self.assertNothingWritten()

    def test_only_post_writes(self):
        """Odoo adds OPTIONS to every route and skips its CSRF check for it: nothing is
        written."""
        for path, data in (
            (
                "/my/dunning/promise",
                {"move_ids": self.overdue.id, "promise_date": self.promise_date},
            ),
            (
                "/my/dunning/dispute",
                {"move_id": self.overdue.id, "reason": "other", "message": "x"},
            ),
            ("/my/dunning/statement/fresh_link", {"email": self.customer.email}),
        ):
            for method in ("OPTIONS", "GET", "PUT"):
                with self.subTest(path=path, method=method):
                    response = self.url_open(
                        f"{path}?{urlencode({**self.link, **data})}",
                        data=data,
                        method=method,
                        allow_redirects=False,
                    )
                    self.assertEqual(response.status_code, 405)
        self.assertNothingWritten()
        self.assertFalse(
            self.env["mail.mail"].search([("recipient_ids", "in", self.customer.ids)])
        )

    def test_hostile_text_is_stored_as_text(self):
        """Bad input #24: markup, RTL override and zero-width characters are kept, shown
        escaped."""
        message = "<script>alert(1)</script> \u202eevil\u200b"
        data = {"move_id": self.overdue.id, "reason": "other", "message": message}
        response = self._post("/my/dunning/dispute", data)
        self.assertAnswer(response, 303)
        dispute = self.env["dunning.dispute"].search([])
        self.assertEqual(dispute.message, message)
        page = self.url_open(response.headers["Location"]).text
        self.assertNotIn("<script>alert(1)</script>", page)

    def test_pay_inputs(self):
        for query in (
            {"currency_id": HUGE_ID},
            {"currency_id": "abc"},
            {"move_ids": HUGE_ID},
            {"move_ids": "x"},
        ):
            with self.subTest(query=query):
                response = self.url_open(
                    f"/my/dunning/pay?{urlencode({**self.link, **query})}"
                )
                self.assertIn(response.status_code, (200, 404))
                self.assertNotIn(self.others.name, response.text)
        self.assertNothingWritten()

    def test_fresh_link_inputs(self):
        for form, files in (
            ({"email": "é@é"}, None),
            ({"email": "x" * 100_000}, None),
            ({"company_id": HUGE_ID, "email": self.customer.email}, None),
            ({}, {"email": ("email.txt", self.customer.email.encode(), "text/plain")}),
        ):
            with self.subTest(form=form, files=files):
                data = {**form, "csrf_token": http.Request.csrf_token(self)}
                response = self.url_open(
                    "/my/dunning/statement/fresh_link", data=data, files=files
                )
                self.assertEqual(
                    response.status_code, 404, "the page of an invalid link"
                )
                self.assertNotEqual(response.status_code, 500)
