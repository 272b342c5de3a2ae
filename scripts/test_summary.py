"""Summarise an Odoo test log (and the harness's) as ``odoo: N passed, N failed, N
skipped``.

Exit status is non-zero on any failed or erroring test, any skipped test (a skipped
browser tour is a failure), any ERROR/CRITICAL log line outside the tests' own reports,
or when no test ran.
"""

import argparse
import re
import sys

ODOO_REPORT = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
HARNESS_REPORT = re.compile(r"^harness: (\d+) passed, (\d+) failed$")
SKIPPED = re.compile(r" INFO \S+ odoo\.tests\.\S+: skipped (.*)$")
ERROR_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


def summarise(lines):
    """Return (passed, failed, skipped, problems) for the log lines."""
    run = failed = skipped = 0
    problems = []
    odoo_reports = [ODOO_REPORT.search(line) for line in lines]
    odoo_reports = [m for m in odoo_reports if m]
    for report in odoo_reports:  # one per addon's test database
        fails, errors, tests = map(int, report.groups())
        run += tests
        failed += fails + errors
    if not odoo_reports:
        problems.append("Odoo printed no test report (did the addon install?)")
    for line in lines:
        if match := HARNESS_REPORT.match(line.strip()):
            harness_passed, harness_failed = map(int, match.groups())
            run += harness_passed + harness_failed
            failed += harness_failed
        elif match := SKIPPED.search(line):
            skipped += 1
            problems.append(f"skipped: {match.group(1)}")
    error_lines = [line for line in lines if ERROR_LINE.match(line)]
    if error_lines and not failed:
        failed += 1
        problems.append(
            f"{len(error_lines)} ERROR line(s) in the log, first: "
            f"{error_lines[0].strip()}"
        )
    passed = max(run - failed - skipped, 0)
    if not run:
        problems.append("no test ran")
    return passed, failed, skipped, problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log")
    parser.add_argument("--odoo-rc", type=int, default=0)
    parser.add_argument("--harness-rc", type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.log, encoding="utf-8", errors="replace") as handle:
        lines = handle.readlines()
    passed, failed, skipped, problems = summarise(lines)
    if args.odoo_rc and not failed:
        problems.append(f"Odoo exited with status {args.odoo_rc}")
    if args.harness_rc and not failed:
        problems.append(f"the harness exited with status {args.harness_rc}")
    for line in lines:
        if ERROR_LINE.match(line) or " FAIL: " in line:
            sys.stdout.write(line)
    for problem in problems:
        print(f"problem: {problem}")
    print(f"odoo: {passed} passed, {failed} failed, {skipped} skipped")
    broken = failed or skipped or problems
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
