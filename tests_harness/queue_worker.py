# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A queue_job worker without the HTTP job runner: it takes the next pending job of the
dunning channel as the runner does (state ``enqueued``), then performs it with
queue_job's own ``/queue_job/runjob`` code (``RunJobController._acquire_job`` and
``_runjob``: started and committed, performed, done or postponed or failed).

``python3 -m tests_harness.queue_worker [odoo options] -d DB``: works until no job of
the channel is left, prints ``worker: N jobs``.
"""

import logging
import sys
import time

import odoo.init  # noqa: F401
from odoo import SUPERUSER_ID, api
from odoo.modules.module import initialize_sys_path
from odoo.modules.registry import Registry
from odoo.tools import config

_logger = logging.getLogger("tests_harness.queue_worker")

CHANNEL = "root.dunning"
NEXT_JOB = """
UPDATE queue_job SET state = 'enqueued', date_enqueued = now() AT TIME ZONE 'UTC'
 WHERE id = (SELECT id FROM queue_job
              WHERE state = 'pending' AND channel = %s
                AND (eta IS NULL OR eta <= now() AT TIME ZONE 'UTC')
              ORDER BY priority, date_created, id
              LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING uuid
"""
UNFINISHED = """
SELECT count(*) FROM queue_job
 WHERE channel = %s AND state IN ('wait_dependencies', 'pending', 'enqueued', 'started')
"""


def work(registry, idle_seconds=0.2, timeout=1800):
    """Perform jobs until none of the channel is left unfinished; return how many."""
    from odoo.addons.queue_job.controllers.main import RunJobController

    performed = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with registry.cursor() as cr:
            cr.execute(NEXT_JOB, [CHANNEL])
            row = cr.fetchone()
            cr.commit()
            if not row:
                cr.execute(UNFINISHED, [CHANNEL])
                if not cr.fetchone()[0]:
                    return performed
                time.sleep(idle_seconds)
                continue
            env = api.Environment(cr, SUPERUSER_ID, {})
            job = RunJobController._acquire_job(env, row[0])
            if job:
                try:
                    RunJobController._runjob(env, job)
                except Exception:  # noqa: BLE001 - stored on the job as failed
                    _logger.info("job %s failed", row[0])
                performed += 1
    return performed


def main(argv):
    config.parse_config(argv)
    initialize_sys_path()
    name = config["db_name"]
    registry = Registry(name[0] if isinstance(name, list) else name)
    print(f"worker: {work(registry)} jobs", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
