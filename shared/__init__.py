"""Tumbuh's Python package, shared by every Cloud Function: config, bootstrap, domain, flows, services, adapters."""
