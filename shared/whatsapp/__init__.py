"""The WhatsApp webhook edge: challenge, signature, payload parsing (no Flask, no I/O)."""
