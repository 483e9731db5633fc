"""`python -m shared.backup`: the operator's commands for the nightly backup (run, list, verify, restore, open).
The work is in shared.services.backup; the rules in shared.domain.backups."""
