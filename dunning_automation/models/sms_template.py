# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math

from odoo import api, fields, models

# The GSM 03.38 alphabet (and its extension, two characters each): a message only in
# it fits 160 characters, 153 per part when longer; any other character makes it UCS-2,
# 70 characters, 67 per part.
GSM_CHARS = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED_CHARS = frozenset("^{}\\[~]|€\f")


def sms_length(text):
    """(length in the encoding's units, GSM-7?) of an SMS text."""
    if all(char in GSM_CHARS or char in GSM_EXTENDED_CHARS for char in text):
        return len(text) + sum(char in GSM_EXTENDED_CHARS for char in text), True
    # UCS-2 counts characters beyond the basic plane twice (UTF-16 surrogates)
    return len(text.encode("utf-16-le")) // 2, False


def sms_segments(text):
    """How many SMS an operator bills for ``text``."""
    length, gsm = sms_length(text)
    single, part = (160, 153) if gsm else (70, 67)
    if length <= single:
        return 1 if length else 0
    return math.ceil(length / part)


class SmsTemplate(models.Model):
    _inherit = "sms.template"

    dunning_length = fields.Integer(
        string="Length",
        compute="_compute_dunning_length",
        help="Characters of the template as written (placeholders not rendered).",
    )
    dunning_segments = fields.Integer(
        string="SMS Segments",
        compute="_compute_dunning_length",
        help="SMS billed for the template as written: 160 characters in one SMS (153 "
        "per part), 70 (67) when a character is outside the GSM alphabet.",
    )

    @api.depends("body")
    def _compute_dunning_length(self):
        for template in self:
            body = template.body or ""
            template.dunning_length = sms_length(body)[0]
            template.dunning_segments = sms_segments(body)
