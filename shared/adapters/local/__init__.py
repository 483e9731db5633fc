"""Embedded local defaults for what cannot run here (Graph API stand-in, workbook Sheet mirror, folder blobs)."""
