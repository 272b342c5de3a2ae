"""Database chores through Odoo's own connection settings.

python3 scripts/db.py exists [odoo db options] NAME   exit 0 when the database exists
python3 scripts/db.py drop [odoo db options] NAME     drop it (if it exists)
"""

import sys

import odoo.init  # noqa: F401  (Odoo 19: set up the namespace before using its modules)
from odoo.service import db
from odoo.tools import config


def main(argv):
    command, options, name = argv[0], argv[1:-1], argv[-1]
    config.parse_config(options)
    if command == "exists":
        return 0 if db.exp_db_exist(name) else 1
    if command == "drop":
        if db.exp_db_exist(name):
            db.exp_drop(name)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
