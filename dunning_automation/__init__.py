from odoo.modules.module import initialize_sys_path

if not getattr(initialize_sys_path, "called", False):
    # Imported without an Odoo server, e.g. by the risk package's command line
    # (`python3 -m odoo.addons.dunning_automation.risk`): put Odoo's addons on the path
    # as the server does, for the modules this addon builds on.
    import odoo.init  # noqa: F401

    initialize_sys_path()

from . import models  # noqa: E402
from . import report  # noqa: E402
from . import wizards  # noqa: E402
from . import controllers  # noqa: E402
