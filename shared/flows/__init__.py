"""Conversation flows as data and the pure engine that advances them (no I/O, no clock)."""
