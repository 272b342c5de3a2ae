#!/usr/bin/env python3
# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Write dunning_automation/README.rst from its readme/ fragments, as OCA's readme
generator lays it out (title, badges, description, contents, configuration, usage,
roadmap, credits).

The fragments are plain Markdown bullet lists and paragraphs; the only syntax that
differs in reStructuredText, inline code and second-level headings, is converted (`x`
becomes ``x``).

    python3 scripts/gen_readme.py [--check]

``--check`` exits 1 when README.rst is not up to date.
"""

import re
import sys
from pathlib import Path

ADDON = Path(__file__).resolve().parents[1] / "dunning_automation"
SECTIONS = (
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
)
HEADER = """\
==================
Dunning Automation
==================

..
   Generated from the readme/ fragments by scripts/gen_readme.py: edit those, \
not this file.

|badge1| |badge2|

.. |badge1| image:: https://img.shields.io/badge/maturity-Beta-yellow.png
    :target: https://odoo-community.org/page/development-status
    :alt: Beta
.. |badge2| image:: https://img.shields.io/badge/license-AGPL--3-blue.png
    :target: http://www.gnu.org/licenses/agpl-3.0-standalone.html
    :alt: License: AGPL-3
"""
CREDITS = """\
Credits
=======

Authors
-------

* Dunning Automation Contributors

Contributors
------------

{contributors}

Maintainers
-----------

This module is part of the dunning_automation project on GitHub.
"""


def fragment(name):
    """The Markdown fragment ``name`` in reStructuredText."""
    text = (ADDON / "readme" / f"{name}.md").read_text().strip()
    text = re.sub(
        r"^## (.+)$",
        lambda match: f"{match[1]}\n{'-' * len(match[1])}",
        text,
        flags=re.MULTILINE,
    )
    return re.sub(r"(?<!`)`([^`\n]+)`(?!`)", r"``\1``", text)


def section(title, body):
    return f"{title}\n{'=' * len(title)}\n\n{body}\n"


def render():
    parts = [
        HEADER,
        fragment("DESCRIPTION") + "\n",
        "**Table of contents**\n\n.. contents::\n   :local:\n",
    ]
    parts += [section(title, fragment(name)) for name, title in SECTIONS]
    parts.append(section("Changelog", fragment("HISTORY")))
    parts.append(CREDITS.format(contributors=fragment("CONTRIBUTORS")))
    return "\n".join(parts)


def main(argv):
    readme = ADDON / "README.rst"
    text = render()
    if "--check" in argv:
        return 0 if readme.read_text() == text else 1
    readme.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
