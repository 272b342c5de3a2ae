#!/usr/bin/env bash
# Stop with a clear message when Odoo 19 is not importable by python3 (see README.md, "Prerequisites").
if ! python3 -c "import odoo.release as r; assert r.version_info[0] == 19" 2>/dev/null; then
    echo "error: Odoo 19 is not importable by python3 (\`python3 -c 'import odoo'\` fails or is not 19.0)." >&2
    echo "       Install Odoo 19 from source first: see README.md, section 'Prerequisites'." >&2
    exit 2
fi
