"""Dashboard pages: reports (routes registered by web.create_app)."""
from __future__ import annotations

from flask import Flask


def register(app: Flask, kit) -> None:
    """Add this module's routes to the app."""
