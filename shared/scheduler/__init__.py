"""The scheduler's work run by hand: `python -m shared.scheduler tick [--now 2026-12-27T09:00+07:00]`."""
