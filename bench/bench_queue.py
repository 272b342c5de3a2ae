# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Time one dunning run on the job queue (dunning_automation_queue) with 1, 2 and 4 job
workers, on copies of one generated database.

``python3 bench/bench_queue.py --invoices N --partners P [--workers 1,2,4] [--db NAME]
[--keep-db] [odoo db options]`` (see bench/README.md). Each worker is a process running
queue_job's own job code (``tests_harness.queue_worker``); the CPU seconds of the
workers and of the PostgreSQL cluster's processes tell where the run saturates.
"""

import argparse
import os
import subprocess
import sys
import time

from bench_dunning import generate
from benchlib import (
    add_size_arguments,
    drop,
    environment,
    install,
    prepare_company,
    setup_config,
)

from odoo import fields
from odoo.service import db as db_service

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = "dunning_automation_queue"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_size_arguments(parser, "dunning_bench_queue")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--seed", type=int, default=42)
    args, odoo_args = parser.parse_known_args(argv)
    args.db = args.db or f"dunning_bench_queue_{args.invoices}_{os.getpid()}"
    args.workers = [int(count) for count in args.workers.split(",")]
    return args, odoo_args


def cluster_cpu_seconds():
    """User + system CPU seconds of this checkout's PostgreSQL cluster: its postmaster
    (.local/pg/data/postmaster.pid) and the backends it forked (not the other clusters
    on the machine)."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open(os.path.join(TOP, ".local/pg/data/postmaster.pid")) as handle:
        postmaster = handle.readline().strip()
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                stat = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if pid == postmaster or stat[1] == postmaster:  # stat[1]: the parent's pid
            total += int(stat[11]) + int(stat[12])  # utime, stime
    return total / ticks


def bench(env, db, odoo_args, workers):
    """Dispatch one run into jobs, then let ``workers`` processes perform them."""
    company = env.ref("base.main_company")
    run = env["dunning.run"].create(
        {
            "date": fields.Date.context_today(env["dunning.run"]),
            "trigger": "manual",
            "company_ids": company.ids,
        }
    )
    env.cr.commit()
    start = time.perf_counter()
    run._execute(commit=True)
    env.cr.commit()
    dispatch = time.perf_counter() - start
    batches = len(run.batch_ids)
    pg_before = cluster_cpu_seconds()
    children_before = os.times()
    start = time.perf_counter()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests_harness.queue_worker",
                *odoo_args,
                f"--addons-path={TOP}",
                "-d",
                db,
                "--log-level=warn",
            ],
            cwd=TOP,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _worker in range(workers)
    ]
    jobs = [int(process.communicate()[0].split()[1]) for process in processes]
    wall = time.perf_counter() - start
    children_after = os.times()
    workers_cpu = (children_after.children_user + children_after.children_system) - (
        children_before.children_user + children_before.children_system
    )
    pg_cpu = cluster_cpu_seconds() - pg_before
    env.invalidate_all()
    env.cr.rollback()
    env.cr.execute(
        "SELECT count(*) FROM dunning_communication WHERE run_id = %s", [run.id]
    )
    [reminders] = env.cr.fetchone()
    env.cr.execute(
        "SELECT count(*), count(*) FILTER (WHERE retry > 1), "
        "count(*) FILTER (WHERE state = 'failed') FROM queue_job"
    )
    job_count, retried, failed = env.cr.fetchone()
    result = {
        "workers": workers,
        "dispatch": dispatch,
        "batches": batches,
        "jobs": job_count,
        "performed": sum(jobs),
        "retried": retried,
        "failed": failed,
        "follow_ups": len(run.batch_ids) - batches,
        "reminders": reminders,
        "wall": wall,
        "throughput": reminders / wall if wall else 0,
        "workers_cpu": workers_cpu,
        "pg_cpu": pg_cpu,
        "state": run.state,
    }
    print(
        "RESULT workers {workers}: {reminders} reminders in {wall:.1f} s "
        "({throughput:.1f}/s) after a {dispatch:.1f} s dispatch; {batches} batches, "
        "{jobs} jobs ({performed} performed, {retried} retried, {failed} failed, "
        "{follow_ups} follow-ups of locked customers); CPU s: workers "
        "{workers_cpu:.1f}, PostgreSQL {pg_cpu:.1f}; run {state}".format(**result),
        flush=True,
    )
    return result


def main(argv):
    args, odoo_args = parse_args(argv)
    setup_config(odoo_args, TOP, args.db)
    print(
        f"== {args.invoices} invoices, {args.partners} customers, database {args.db}",
        flush=True,
    )
    copies = []
    try:
        start = time.perf_counter()
        install(odoo_args, TOP, args.db, MODULE)
        with environment(args.db) as env:
            company = prepare_company(env)
            env.cr.commit()
            generate(env, company, args.invoices, args.partners, args.seed)
        print(f"database ready: {time.perf_counter() - start:.0f} s", flush=True)
        drop(args.db, keep=True)  # forget its registry: the copies need no session
        results = []
        for workers in args.workers:
            copy = f"{args.db}_w{workers}"
            db_service.exp_duplicate_database(args.db, copy)
            copies.append(copy)
            with environment(copy) as env:
                results.append(bench(env, copy, odoo_args, workers))
        print(
            "| job workers | reminders | wall s | reminders/s | speed-up | "
            "worker CPU s | PostgreSQL CPU s |"
        )
        print("|---|---|---|---|---|---|---|")
        for result in results:
            print(
                "| {workers} | {reminders} | {wall:.1f} | {throughput:.1f} | "
                "{speedup:.2f}x | {workers_cpu:.1f} | {pg_cpu:.1f} |".format(
                    speedup=result["throughput"] / results[0]["throughput"],
                    **result,
                )
            )
    finally:
        for copy in copies:
            drop(copy)
        drop(args.db, keep=args.keep_db)


if __name__ == "__main__":
    main(sys.argv[1:])
