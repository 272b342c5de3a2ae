# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DunningCommon, days


@tagged("post_install", "-at_install")
class TestDunningSecurity(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._invoice(cls.customer, days(-8))
        common = {"company_id": cls.company.id, "company_ids": cls.company.ids}
        cls.clerk = new_test_user(
            cls.env, "dunning_clerk", groups="account.group_account_invoice", **common
        )
        cls.manager = new_test_user(
            cls.env, "dunning_mgr", groups="account.group_account_manager", **common
        )
        cls.employee = new_test_user(
            cls.env, "dunning_employee", groups="base.group_user", **common
        )

    def test_invoicing_user(self):
        self._run(days(-1))
        communication = self._communications().with_user(self.clerk)
        self.assertTrue(communication.read(["subject", "state"]))
        self.assertTrue(self.policy.with_user(self.clerk).read(["name"]))
        with self.assertRaises(AccessError):
            self.policy.with_user(self.clerk).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.first.with_user(self.clerk).write({"trigger_days": 8})
        with self.assertRaises(AccessError):
            self.env["dunning.communication"].with_user(self.clerk).create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "level_id": self.first.id,
                    "channel": "email",
                    "dunning_date": days(0),
                    "idempotency_key": "forged",
                }
            )
        # the clerk can send a reminder now; the audit record is written by the system
        with freeze_time(days(0)):
            self.customer.with_user(self.clerk).action_dunning_send_now()
        self.assertEqual(len(self._communications()), 2)

    def test_manager_configures(self):
        self.policy.with_user(self.manager).write({"name": "Renamed"})
        self.first.with_user(self.manager).write({"min_days_since_previous": 5})
        self.assertEqual(self.first.min_days_since_previous, 5)

    def test_employee_sees_nothing(self):
        self._run()
        for model in (
            "dunning.policy",
            "dunning.level",
            "dunning.communication",
            "dunning.run",
        ):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.employee).search([])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.employee).action_dunning_send_now()
