# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningLevel(DunningCommon):
    def _level_values(self, **values):
        return {
            "name": "Extra",
            "trigger_days": 90,
            "sequence": 100,
            "mail_template_id": self.final.mail_template_id.id,
            **values,
        }

    def test_default_policy_of_a_new_company(self):
        self.assertEqual(self.policy.level_ids.mapped("trigger_days"), [-3, 7, 21, 45])
        self.assertTrue(self.final.is_final_notice)
        self.assertTrue(all(self.policy.level_ids.mapped("mail_template_id")))

    def test_trigger_range(self):
        for trigger_days in (-400, 99999):
            with (
                self.subTest(trigger_days=trigger_days),
                self.assertRaises(ValidationError),
            ):
                self.policy.write(
                    {
                        "level_ids": [
                            Command.create(
                                self._level_values(trigger_days=trigger_days)
                            )
                        ]
                    }
                )

    def test_same_trigger_twice(self):
        with self.assertRaises(ValidationError):
            self.policy.write(
                {"level_ids": [Command.create(self._level_values(trigger_days=21))]}
            )

    def test_sequence_must_follow_days(self):
        with self.assertRaises(ValidationError):
            self.policy.write(
                {
                    "level_ids": [
                        Command.create(self._level_values(trigger_days=30, sequence=1))
                    ]
                }
            )

    def test_active_policy_needs_levels(self):
        with self.assertRaises(ValidationError):
            self.env["dunning.policy"].create(
                {"name": "Empty", "company_id": self.company.id}
            )
        inactive = self.env["dunning.policy"].create(
            {"name": "Draft", "company_id": self.company.id, "active": False}
        )
        with self.assertRaises(ValidationError):
            inactive.active = True

    def test_template_cannot_be_archived_or_deleted(self):
        template = self.first.mail_template_id
        with self.assertRaises(ValidationError):
            template.active = False
        with (
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
            mute_logger("odoo.sql_db"),
        ):
            template.unlink()
        template.copy(
            {"active": False}
        ).active = False  # an unused template can be archived
        archived = template.copy({"name": "Archived copy"})
        archived.active = False
        with self.assertRaises(ValidationError):
            self.first.mail_template_id = archived

    def test_email_level_needs_template(self):
        with self.assertRaises(ValidationError):
            self.policy.write(
                {
                    "level_ids": [
                        Command.create(self._level_values(mail_template_id=False))
                    ]
                }
            )

    def test_configure_level_with_form(self):
        with Form(self.policy) as policy_form:
            with policy_form.level_ids.new() as level:
                level.name = "Legal notice"
                level.trigger_days = 75
                level.sequence = 50
                level.mail_template_id = self.final.mail_template_id
        self.assertEqual(
            self.policy.level_ids.sorted("sequence")[-1].name, "Legal notice"
        )
