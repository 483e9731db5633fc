"""Tumbuh's Python package, shared by every Cloud Function: config, bootstrap, domain, flows, services, adapters."""

__version__ = "0.1.0"  # the same as pyproject.toml's (a test keeps them equal); recorded in every backup's manifest
