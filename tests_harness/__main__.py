# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""``python3 -m tests_harness [odoo db options] --addons-path=DIR -d DB``: prints
``harness: N passed, N failed``."""

import sys

from .harness import main

sys.exit(main(sys.argv[1:]))
