"""Operators' tools over Tumbuh's own log lines: `python -m shared.ops summary .run/logs/` (see summary.py).

Stdlib and shared.events only, so it imports fast and runs anywhere the lines are; no store, no App.
"""
