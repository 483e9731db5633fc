"""Terminal WhatsApp chat simulator: type as on WhatsApp; each line becomes a real, signed Cloud API webhook POST.

Tumbuh's replies go to the local Graph API stand-in; the simulator reads them back from it and shows them,
buttons and lists as numbered choices (type the number to tap one), images as the path of the saved file.

    python scripts/simulator.py --webhook http://127.0.0.1:8080 --graph http://127.0.0.1:8090 [--wa-id 62812...]
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


def reply_payload(wa_id: str, phone_number_id: str, kind: str, choice_id: str, title: str) -> dict:
    """A webhook envelope for a tapped reply button ('button_reply') or list row ('list_reply')."""
    envelope = text_payload(wa_id, phone_number_id, "")
    message = envelope["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = "interactive"
    message["interactive"] = {"type": kind, kind: {"id": choice_id, "title": title}}
    return envelope


def show(sent: dict) -> list[tuple[str, str, str]]:
    """Print one message Tumbuh sent; return its choices as (reply kind, id, title)."""
    payload = sent["payload"]
    kind = payload.get("type")
    choices: list[tuple[str, str, str]] = []
    if kind == "text":
        body = payload["text"]["body"]
    elif kind == "interactive":
        inter = payload["interactive"]
        body = inter.get("body", {}).get("text", "")
        if inter.get("header", {}).get("type") == "image":  # a growth chart above the advice
            body = f"[gambar disimpan di {sent.get('media_path', '?')}]\n{body}"
        if inter["type"] == "button":
            choices = [("button_reply", b["reply"]["id"], b["reply"]["title"]) for b in inter["action"]["buttons"]]
        else:
            choices = [("list_reply", r["id"], r["title"]) for sec in inter["action"]["sections"] for r in sec["rows"]]
    elif kind == "image":
        body = f"[gambar disimpan di {sent.get('media_path', '?')}] {payload['image'].get('caption', '')}"
    elif kind == "template":
        tpl = payload["template"]
        body = f"[template {tpl['name']} ({tpl['language']['code']})] {json.dumps(tpl.get('components', []))}"
    else:
        body = json.dumps(payload, ensure_ascii=False)
    print("Tumbuh> " + body.replace("\n", "\n        "))
    for number, (_, _, title) in enumerate(choices, start=1):
        print(f"        [{number}] {title}")
    return choices


def post_signed(session, webhook_url: str, payload: dict, app_secret: str):
    """POST a payload exactly as Meta does: compact JSON with escaped unicode, signed over the raw bytes."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, app_secret)}
    return session.post(webhook_url.rstrip("/") + "/", data=body, headers=headers, timeout=10)


def main(argv: list[str] | None = None) -> int:
    import requests

    parser = argparse.ArgumentParser(description="Talk to the local Tumbuh webhook as a WhatsApp user.")
    parser.add_argument("--webhook", default=os.environ.get("WEBHOOK_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--graph", default=os.environ.get("GRAPH_STANDIN_URL", "http://127.0.0.1:8090"))
    parser.add_argument("--tasks", default=os.environ.get("TASKS_STANDIN_URL", ""),
                        help="the Cloud Tasks stand-in: wait for handed-off messages (a result's chart) too")
    parser.add_argument("--wa-id", default=DEFAULT_WA_ID)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    session = requests.Session()
    interactive = sys.stdin.isatty()
    print("Tumbuh chat simulator — type a message as on WhatsApp; a number taps a choice; /quit (or Ctrl-D) leaves.")
    print(f"You are {args.wa_id}; messages go to {args.webhook}/ signed like Meta's.")
    seen = _last_seq(session, args.graph, args.wa_id)
    choices: list[tuple[str, str, str]] = []
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
        if not interactive:
            print(f"Anda> {text}")
        if text.isdigit() and 1 <= int(text) <= len(choices):
            kind, choice_id, title = choices[int(text) - 1]
            payload = reply_payload(args.wa_id, settings.wa_phone_number_id, kind, choice_id, title)
        else:
            payload = text_payload(args.wa_id, settings.wa_phone_number_id, text)
        try:
            resp = post_signed(session, args.webhook, payload, settings.wa_app_secret)
        except requests.RequestException as exc:
            print(f"  (webhook unreachable: {type(exc).__name__})")
            continue
        if resp.status_code != 200:
            print(f"  (webhook answered {resp.status_code}: {resp.text.strip()[:200]})")
        if args.tasks:
            wait_for_tasks(session, args.tasks)
        try:
            sent = session.get(f"{args.graph}/_standin/messages", params={"to": args.wa_id, "after": seen},
                               timeout=5).json()["messages"]
        except (requests.RequestException, ValueError, KeyError):
            print("  (the Graph API stand-in did not answer; replies cannot be shown)")
            continue
        for message in sent:
            seen = max(seen, message["seq"])
            choices = show(message) or choices


def wait_for_tasks(session, tasks_url: str, deadline_s: float = 15.0) -> None:
    """Wait until the Cloud Tasks stand-in has delivered (or given up on) every task: a result's chart message
    comes from the sender function a moment after the webhook's own replies, as on a real phone."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            tasks = session.get(f"{tasks_url}/_standin/tasks", timeout=5).json()["tasks"]
        except Exception:
            return
        if all(t.get("done") or t.get("given_up") for t in tasks):
            return
        time.sleep(0.05)


def _last_seq(session, graph: str, wa_id: str) -> int:
    """Where the conversation with this number stands in the stand-in, so old replies are not shown again."""
    try:
        sent = session.get(f"{graph}/_standin/messages", params={"to": wa_id}, timeout=5).json()["messages"]
    except Exception:
        return 0
    return max((m["seq"] for m in sent), default=0)


if __name__ == "__main__":
    sys.exit(main())
