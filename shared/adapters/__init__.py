"""Adapters: the only code that talks to PostgreSQL, Redis, Meta's Graph API, Apps Script and Cloud Storage."""
