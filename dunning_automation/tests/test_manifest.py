# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import ast
import importlib.metadata
import re
import sys
from pathlib import Path

from odoo.modules.module import get_manifest
from odoo.tests import BaseCase, tagged

ADDON = Path(__file__).resolve().parents[1]


def _requirement_name(requirement):
    """The distribution name of a requirement string ("python-dateutil>=2.9" ->
    "python-dateutil")."""
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_distributions():
    """{distribution: first file importing it} for the third-party imports of the
    addon's code (tests excluded: their tools are the test runner's)."""
    distributions = importlib.metadata.packages_distributions()
    found = {}
    for path in sorted(ADDON.rglob("*.py")):
        if "tests" in path.relative_to(ADDON).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == "odoo":
                    continue
                for distribution in distributions.get(top, [top]):
                    found.setdefault(_canonical(distribution), path.relative_to(ADDON))
    return found


@tagged("post_install", "-at_install")
class TestManifest(BaseCase):
    def test_external_dependencies_match_imports(self):
        """The manifest declares exactly the third-party packages the addon imports,
        beyond what Odoo itself requires."""
        declared = {
            _canonical(name)
            for name in get_manifest("dunning_automation")["external_dependencies"][
                "python"
            ]
        }
        odoo_requires = {
            _canonical(_requirement_name(req))
            for req in importlib.metadata.requires("odoo") or ()
        }
        imported = imported_distributions()
        undeclared = {
            name: str(path)
            for name, path in imported.items()
            if name not in declared | odoo_requires
        }
        self.assertEqual(undeclared, {}, "imported but not in external_dependencies")
        self.assertEqual(
            declared - set(imported),
            set(),
            "in external_dependencies but never imported",
        )
