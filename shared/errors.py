"""Typed errors shared by every layer; entry points map them to HTTP answers (503 transient, 4xx bad request).

User input is never an exception (parsers return Invalid); these are for configuration, domain limits and
infrastructure.
"""


class AppError(Exception):
    """Base of every error Tumbuh raises on purpose."""


class ConfigError(AppError):
    """The configuration cannot run: names what is missing or refused, raised at cold start."""


class InvalidInput(AppError):
    """A request (not a chat message) that cannot be processed as sent: answered with a 4xx."""


class OutsideStandard(AppError):
    """A child outside what the growth standards cover (for example, too old): explain, do not compute."""


class TransientError(AppError):
    """A dependency hiccup (database, Redis, Graph API, Apps Script): retry later, nothing was half-done."""


class PermanentError(AppError):
    """A dependency refused for good (bad credentials, a 4xx that retrying will not fix)."""


class BackupDamaged(PermanentError):
    """A backup that must not be trusted: an object damaged, cut short, missing, changed since its manifest, or
    sealed with a key this instance does not hold. The message names which and what to do."""


class BackupBusy(TransientError):
    """Another backup is running: this one steps aside (Cloud Scheduler's retry finds tonight's backup done)."""
