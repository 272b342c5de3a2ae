# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Every channel a level can use; email stays the first channel by default.
CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("call", "Phone Call"),
]
RULE_ALWAYS = "always"
RULE_FALLBACK = "fallback"


class DunningLevelChannel(models.Model):
    """A channel that follows the level's first one: always, or only when the channel
    before it failed for this customer (no address or number, invalid, blacklisted,
    bounced, SMS error)."""

    _name = "dunning.level.channel"
    _description = "Dunning Level Channel"
    _order = "level_id, sequence, id"

    level_id = fields.Many2one(
        "dunning.level", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    channel = fields.Selection(CHANNELS, required=True)
    rule = fields.Selection(
        [
            (RULE_ALWAYS, "Always"),
            (RULE_FALLBACK, "Only as Fallback"),
        ],
        required=True,
        default=RULE_FALLBACK,
        help="Only as Fallback: sent only when the channel before it failed for this "
        "customer.",
    )

    _channel_once = models.Constraint(
        "UNIQUE(level_id, channel)",
        "A channel appears once per level.",
    )

    @api.constrains("channel", "level_id")
    def _check_not_first_channel(self):
        for line in self:
            if line.channel == line.level_id.channel:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s already starts with this channel.",
                        level=line.level_id.name,
                    )
                )
