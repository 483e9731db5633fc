"""Terminal WhatsApp chat simulator: type as on WhatsApp; each line becomes a real, signed Cloud API webhook POST.

Tumbuh's replies are sent to the Graph API; the local stand-in that shows them here arrives with the
conversation work. Until then the simulator shows how the webhook answered each message.

    python scripts/simulator.py --webhook http://127.0.0.1:8080 [--wa-id 6281200000001]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.config import Settings  # noqa: E402
from shared.whatsapp.webhook import SIGNATURE_HEADER, sign  # noqa: E402

DEFAULT_WA_ID = "6281200000001"  # a made-up Indonesian number: the simulator never talks to real people


def text_payload(wa_id: str, phone_number_id: str, text: str, now: int | None = None) -> dict:
    """A Cloud API webhook envelope carrying one text message, as Meta sends it."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "WABA_LOCAL",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
                    "contacts": [{"profile": {"name": "Simulator"}, "wa_id": wa_id}],
                    "messages": [{
                        "from": wa_id,
                        "id": "wamid.SIM" + uuid.uuid4().hex,
                        "timestamp": str(now if now is not None else int(time.time())),
                        "type": "text",
                        "text": {"body": text},
                    }],
                },
            }],
        }],
    }


def post_signed(session, webhook_url: str, payload: dict, app_secret: str):
    """POST a payload exactly as Meta does: compact JSON with escaped unicode, signed over the raw bytes."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, app_secret)}
    return session.post(webhook_url.rstrip("/") + "/", data=body, headers=headers, timeout=10)


def main(argv: list[str] | None = None) -> int:
    import requests

    parser = argparse.ArgumentParser(description="Talk to the local Tumbuh webhook as a WhatsApp user.")
    parser.add_argument("--webhook", default=os.environ.get("WEBHOOK_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--wa-id", default=DEFAULT_WA_ID)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    session = requests.Session()
    interactive = sys.stdin.isatty()
    print("Tumbuh chat simulator — type a message as on WhatsApp; /quit (or Ctrl-D) to leave.")
    print(f"You are {args.wa_id}; messages go to {args.webhook}/ signed like Meta's.")
    while True:
        try:
            line = input("Anda> " if interactive else "")
        except EOFError:
            print()
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            return 0
        try:
            resp = post_signed(session, args.webhook, text_payload(args.wa_id, settings.wa_phone_number_id, text),
                               settings.wa_app_secret)
        except requests.RequestException as exc:
            print(f"  (webhook unreachable: {type(exc).__name__})")
            continue
        print(f"  (webhook answered {resp.status_code}: {resp.text.strip()[:200]})")
        print("  (Tumbuh's replies will appear here once the conversation work lands.)")


if __name__ == "__main__":
    sys.exit(main())
