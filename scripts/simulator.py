"""Terminal WhatsApp chat simulator: type as on WhatsApp; each line becomes a real, signed Cloud API webhook POST.

Tumbuh's replies go to the local Graph API stand-in; the simulator reads them back from it and shows them,
buttons and lists as numbered choices (type the number to tap one), images as the path of the saved file.
/photo, /voice and /location send a photo, a voice note or a shared location as Meta's webhook describes them
(the media ids point at nothing: Tumbuh does not download media), to try what Tumbuh answers to those.

    python scripts/simulator.py [--wa-id 62812...]   # finds the running `make run` through .run/running.json
    python scripts/simulator.py --webhook http://127.0.0.1:8080 --graph http://127.0.0.1:8090 --tasks ...
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Mapping

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import running  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.whatsapp.webhook import SIGNATURE_HEADER, sign  # noqa: E402

DEFAULT_WA_ID = "6281200000001"  # a made-up Indonesian number: the simulator never talks to real people
MEDIA_COMMANDS = {"/photo": "image", "/voice": "audio", "/location": "location"}
# Where a shared location points: central Bandung, as made up as the numbers.
SIM_LATITUDE, SIM_LONGITUDE = -6.9175, 107.6191
HELP = ("a number taps a choice; an empty line shows what arrived meanwhile; /photo [caption], /voice and "
        "/location send media; /quit (or Ctrl-D) leaves.")


def default_urls(environ: Mapping[str, str], run: Mapping[str, str] | None) -> dict[str, str]:
    """Where to post, read replies and wait for handed-off sends: WEBHOOK_URL, GRAPH_STANDIN_URL and
    TASKS_STANDIN_URL when set, else what the running `make run` serves, else the default ports (and no
    Cloud Tasks stand-in: a result's chart then shows only after the next line)."""
    run = run or {}
    return {
        "webhook": environ.get("WEBHOOK_URL") or run.get("webhook") or "http://127.0.0.1:8080",
        "graph": environ.get("GRAPH_STANDIN_URL") or run.get("graph") or "http://127.0.0.1:8090",
        "tasks": environ.get("TASKS_STANDIN_URL") or run.get("tasks") or "",
    }


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
    """A webhook envelope for a tapped reply button ('button_reply'), list row ('list_reply') or a template's
    quick-reply button ('button': Meta sends its payload and text)."""
    envelope = text_payload(wa_id, phone_number_id, "")
    message = envelope["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    if kind == "button":
        message["type"] = "button"
        message["button"] = {"payload": choice_id, "text": title}
    else:
        message["type"] = "interactive"
        message["interactive"] = {"type": kind, kind: {"id": choice_id, "title": title}}
    return envelope


def media_payload(wa_id: str, phone_number_id: str, kind: str, caption: str = "") -> dict:
    """A webhook envelope for a photo ('image'), a voice note ('audio') or a shared location ('location'), in the
    shapes Meta's webhook reference gives them."""
    envelope = text_payload(wa_id, phone_number_id, "")
    message = envelope["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = kind
    media_id = "SIM" + uuid.uuid4().hex
    digest = uuid.uuid4().hex + uuid.uuid4().hex  # Meta sends the file's SHA-256; there is no file here
    if kind == "image":
        message["image"] = {"id": media_id, "mime_type": "image/jpeg", "sha256": digest}
        if caption:
            message["image"]["caption"] = caption
    elif kind == "audio":
        message["audio"] = {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "sha256": digest, "voice": True}
    elif kind == "location":
        message["location"] = {"latitude": SIM_LATITUDE, "longitude": SIM_LONGITUDE}
        if caption:
            message["location"]["name"] = caption
    else:
        raise ValueError(f"no simulated {kind} message")
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
    elif kind == "template":  # its words are Meta's approved text (docs/whatsapp-templates.md): shown by name
        tpl = payload["template"]
        parts = tpl.get("components", [])
        params = [p.get("text", "") for c in parts if c.get("type") == "body" for p in c.get("parameters", [])]
        body = f"[template {tpl['name']} ({tpl['language']['code']})] " + " | ".join(params)
        choices = [("button", p["payload"], f"tombol {c.get('index', i)}: {p['payload']}")
                   for i, c in enumerate(c for c in parts if c.get("type") == "button")
                   for p in c.get("parameters", []) if p.get("type") == "payload"]
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

    listed = running.current()
    urls = default_urls(os.environ, listed)
    parser = argparse.ArgumentParser(description="Talk to the local Tumbuh webhook as a WhatsApp user.")
    parser.add_argument("--webhook", default=urls["webhook"])
    parser.add_argument("--graph", default=urls["graph"])
    parser.add_argument("--tasks", default=urls["tasks"],
                        help="the Cloud Tasks stand-in: wait for handed-off messages (a result's chart) too")
    parser.add_argument("--wa-id", default=DEFAULT_WA_ID)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    session = requests.Session()
    interactive = sys.stdin.isatty()
    print("Tumbuh chat simulator — type a message as on WhatsApp; " + HELP)
    print(f"You are {args.wa_id}; messages go to {args.webhook}/ signed like Meta's.")
    if listed is None and not args.tasks:
        print(f"  (no running `make run` listed in {running.run_file()}: the default ports, and without --tasks a "
              "result's chart shows only after your next line)")
    seen = _last_seq(session, args.graph, args.wa_id)
    choices: list[tuple[str, str, str]] = []
    while True:
        try:
            line = input("Anda> " if interactive else "")
        except EOFError:
            print()
            return 0
        text = line.strip()
        if not text:  # nothing to send: show what others' actions sent this number meanwhile (a kader's claim)
            seen, choices = show_new(session, args.graph, args.wa_id, seen, choices)
            continue
        if text in ("/quit", "/exit"):
            return 0
        if text == "/help":
            print(HELP)
            continue
        if not interactive:
            print(f"Anda> {text}")
        command, _, rest = text.partition(" ")
        if text.isdigit() and 1 <= int(text) <= len(choices):
            kind, choice_id, title = choices[int(text) - 1]
            payload = reply_payload(args.wa_id, settings.wa_phone_number_id, kind, choice_id, title)
        elif command in MEDIA_COMMANDS:
            payload = media_payload(args.wa_id, settings.wa_phone_number_id, MEDIA_COMMANDS[command], rest.strip())
        else:
            payload = text_payload(args.wa_id, settings.wa_phone_number_id, text)
        try:
            resp = post_signed(session, args.webhook, payload, settings.wa_app_secret)
        except requests.RequestException as exc:
            print(f"  (webhook unreachable: {type(exc).__name__}; is `make run` running?)")
            continue
        if resp.status_code != 200:
            print(f"  (webhook answered {resp.status_code}: {resp.text.strip()[:200]})")
        if args.tasks:
            wait_for_tasks(session, args.tasks)
        seen, choices = show_new(session, args.graph, args.wa_id, seen, choices)


def show_new(session, graph: str, wa_id: str, seen: int,
             choices: list[tuple[str, str, str]]) -> tuple[int, list[tuple[str, str, str]]]:
    """Show what Tumbuh sent this number after message `seen`; return the new position and the choices to tap."""
    import requests

    try:
        sent = session.get(f"{graph}/_standin/messages", params={"to": wa_id, "after": seen},
                           timeout=5).json()["messages"]
    except (requests.RequestException, ValueError, KeyError):
        print("  (the Graph API stand-in did not answer; replies cannot be shown)")
        return seen, choices
    for message in sent:
        seen = max(seen, message["seq"])
        choices = show(message) or choices
    return seen, choices


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
