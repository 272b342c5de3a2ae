"""Drop a database through Odoo's own connection settings: ``dropdb.py [odoo db options] NAME``."""

import sys

import odoo.init  # noqa: F401  (Odoo 19: set up the namespace before using its modules)
from odoo.service import db
from odoo.tools import config

config.parse_config(sys.argv[1:-1])
db.exp_drop(sys.argv[-1])
