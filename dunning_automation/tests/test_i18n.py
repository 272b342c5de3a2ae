# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from collections import Counter
from pathlib import Path

import polib

from odoo.tests import tagged
from odoo.tools.misc import file_path

from .common import DunningCommon, days

# What a translation must keep from its source: format placeholders, inline template
# expressions, markup.
KEPT = (
    re.compile(r"%\(\w+\)[sd]|%[sd]"),
    re.compile(r"\{\{.*?\}\}"),
    re.compile(r"<[^>]+>"),
)
# Attributes whose values Odoo translates with the text (they are read by people).
TRANSLATED_ATTRIBUTE = re.compile(r'\b(title|alt|aria-label|placeholder|label)="[^"]*"')


def kept_parts(pattern, text):
    """The parts of ``text`` a translation must keep, translated attributes aside."""
    return Counter(
        TRANSLATED_ATTRIBUTE.sub(r'\1=""', part) for part in pattern.findall(text)
    )


@tagged("post_install", "-at_install")
class TestI18n(DunningCommon):
    """The shipped French terms reach the customer: reminders and UI read in French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        # What Odoo does when French is installed after the addon: load i18n/fr.po into
        # the database.
        cls.env["ir.module.module"]._load_module_terms(
            ["dunning_automation"], ["fr_FR"], overwrite=True
        )
        cls.french_customer = cls._customer(
            "Boulangerie Dupont", "compta@dupont.example.fr", lang="fr_FR"
        )
        cls.other_customer.lang = "en_US"
        cls._invoice(cls.french_customer, days(-8))
        cls._invoice(cls.other_customer, days(-8))

    def test_reminder_rendered_in_french(self):
        self._run()
        communication = self._communications(self.french_customer)
        self.assertEqual(communication.level_id, self.first)
        self.assertEqual(
            communication.subject,
            f"{self.company.name}\u00a0: relance de paiement (Boulangerie Dupont)",
        )
        body = str(communication.body_html)
        for french in (
            "Bonjour",
            "les factures ci-dessous ont dépassé leur date",  # the template's own text
            "Cordialement",
            "Montant dû",  # the invoice table (a QWeb view t-called by the template)
            "Jours de retard",
            "Total dû",
            "Consulter votre relevé / payer en ligne",
        ):
            self.assertIn(french, body)
        for english in (
            "Dear",
            "Our records show",
            "Kind regards",
            "Amount Due",
            "Days Overdue",
            "Total due",
            "View your statement",
            "From your statement",
        ):
            self.assertNotIn(english, body)
        # the same run still writes to an English customer in English
        other = self._communications(self.other_customer)
        self.assertIn("payment reminder", other.subject)
        self.assertIn("Kind regards", str(other.body_html))

    def test_ui_labels_in_french(self):
        Run = self.env["dunning.run"].with_context(lang="fr_FR")
        fields = Run.fields_get(["state", "trigger"], ["string", "selection"])
        self.assertEqual(fields["state"]["string"], "État")
        self.assertIn(("manual", "Lancer maintenant"), fields["trigger"]["selection"])
        self.assertEqual(
            self.env.ref("dunning_automation.menu_dunning_root")
            .with_context(lang="fr_FR")
            .name,
            "Relances",
        )
        # a code term (env._) of the run's statistics
        planner = self.env["dunning.planner"].with_context(lang="fr_FR")
        self.assertEqual(planner._skip_reason_labels()["archived"], "Client archivé")

    def test_shipped_translations_keep_placeholders(self):
        """A translation that drops a placeholder or a tag breaks the message or the
        template at runtime."""
        po_files = sorted(Path(file_path("dunning_automation/i18n")).glob("*.po"))
        self.assertIn("fr.po", [path.name for path in po_files])
        for path in po_files:
            for entry in polib.pofile(str(path)).translated_entries():
                for pattern in KEPT:
                    self.assertEqual(
                        kept_parts(pattern, entry.msgstr),
                        kept_parts(pattern, entry.msgid),
                        f"{path.name}: {entry.msgid[:80]!r}",
                    )
