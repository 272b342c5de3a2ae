# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from lxml import etree

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import post_overdue_invoice


@tagged("post_install", "-at_install")
class TestWebButtons(HttpCase, MockEmail):
    """The addon's buttons called as the web client calls them:
    ``/web/dataset/call_button`` with the ids of the records on screen (none, for a list
    header button without selection)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.company.email = "billing@buttons.example.com"

    def _call_button(self, model, method, ids):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_button/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": [ids],
                "kwargs": {"context": {"lang": "en_US"}},
            },
        )

    def test_no_object_button_calls_a_model_method(self):
        """A ``type="object"`` button passes the record ids: an ``@api.model`` method
        cannot take them."""
        views = self.env["ir.ui.view"].browse(
            self.env["ir.model.data"]
            .search(
                [("module", "=", "dunning_automation"), ("model", "=", "ir.ui.view")]
            )
            .mapped("res_id")
        )
        checked = set()
        for view in views.filtered("model"):
            model = self.env[view.model]
            for button in etree.fromstring(view.arch_db.encode()).iter("button"):
                if button.get("type") != "object":
                    continue
                method = getattr(type(model), button.get("name"))
                checked.add(f"{view.model}.{button.get('name')}")
                self.assertFalse(
                    getattr(method, "_api_model", False),
                    f"{view.model}.{button.get('name')} is called with ids by the "
                    f"button in {view.xml_id}",
                )
        self.assertIn("dunning.run.action_run_now", checked)
        self.assertIn("dunning.communication.action_retry", checked)

    def test_run_now_from_the_runs_list(self):
        self.authenticate("admin", "admin")
        action = self._call_button("dunning.run", "action_run_now", [])
        self.env.invalidate_all()
        self.assertEqual(action["tag"], "display_notification")
        run = self.env["dunning.run"].search([("trigger", "=", "manual")], limit=1)
        self.assertEqual(run.state, "pending")
        self.assertIn(self.company, run.company_ids)

    def test_retry_from_the_communication(self):
        customer = self.env["res.partner"].create(
            {"name": "Retry Customer", "email": "retry@example.com"}
        )
        post_overdue_invoice(self.env, customer, 10)
        customer.action_dunning_send_now()
        communication = self.env["dunning.communication"].search(
            [("partner_id", "=", customer.id)]
        )
        with self.mock_mail_gateway(), mute_logger("odoo.addons.mail.models.mail_mail"):
            self.connect_mocked.side_effect = TimeoutError("timed out")
            communication.mail_id.send(raise_exception=False)
        self.assertEqual(communication.state, "failed")
        self.authenticate("admin", "admin")
        action = self._call_button(
            "dunning.communication", "action_retry", communication.ids
        )
        self.env.invalidate_all()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(communication.state, "queued")
        self.assertEqual(communication.mail_id.state, "outgoing")

    def test_run_now_tour_and_banners(self):
        """A company that cannot send: the dunning screens and Settings say so; Run Now
        works."""
        self.company.write({"email": False, "alias_domain_id": False})
        self.company.partner_id.email = False
        runs_before = self.env["dunning.run"].search([])
        self.start_tour("/odoo", "dunning_run_now", login="admin")
        run = self.env["dunning.run"].search([]) - runs_before
        self.assertEqual((run.trigger, run.state), ("manual", "pending"))
        self.start_tour("/odoo", "dunning_settings_banner", login="admin")
