"""Crash and concurrency checks of the dunning run with real commits, on a database of
their own.

Odoo's test cursor serialises everything on one connection, so two evaluations can only
truly race on separate connections: this harness (run by ``make test`` after the suite)
does that.
"""
