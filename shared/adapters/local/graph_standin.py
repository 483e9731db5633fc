"""A local stand-in for Meta's Graph API (messages, media) over real HTTP, for `make run`, the simulator and tests.

It honours the documented contract (reference/whatsapp.md B5, B8): bearer auth, Meta's error shape, the same
message limits. Control routes live under /_standin/. Never deployed; production talks to Meta.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import re
import threading
import time
import uuid
from typing import Literal, overload
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, jsonify, request

from shared.whatsapp import payloads as p

VERSION = re.compile(r"v\d+\.\d+")  # Graph paths start with the pinned API version, e.g. v21.0
ERROR_TITLES = {  # Meta's error titles for the codes tests inject (Cloud API error-code catalogue; reference B8)
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131026: "Message Undeliverable",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131057: "Account in maintenance mode",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132012: "Parameter format does not match format in the created template",
}
HTTP_STATUS = {190: 401, 130429: 429, 131056: 429}  # what Meta answers with these codes; 400 for the rest
MEDIA_TYPES = {"image/png": "png", "image/jpeg": "jpg"}  # B5: images are PNG or JPEG
MAX_REQUEST_BYTES = 16 * 1024 * 1024  # refuse absurd bodies before parsing; media itself is capped at 5 MB


class Refused(Exception):
    """A request Meta would refuse: becomes its JSON error answer."""

    def __init__(self, details: str, code: int = 100, status: int | None = None, message: str | None = None):
        super().__init__(details)
        self.details, self.code = details, code
        self.status = status or HTTP_STATUS.get(code, 400)
        self.message = message or "(#%d) %s" % (code, ERROR_TITLES.get(code, "Error"))


def _error_body(exc: Refused) -> dict:
    """Meta's error shape (reference B8: branch on code and error_data.details)."""
    return {"error": {"message": exc.message, "type": "OAuthException", "code": exc.code,
                      "error_data": {"messaging_product": "whatsapp", "details": exc.details},
                      "fbtrace_id": "A" + uuid.uuid4().hex[:22]}}


@dataclass
class _Rule:
    """An injected failure (or delay) for the next `times` matching requests."""

    to: str | None
    endpoint: str
    code: int | None
    times: int
    http_status: int | None
    delay_s: float
    details: str


class _Store:
    """Everything the stand-in remembers, behind one lock (the server is threaded)."""

    def __init__(self, media_dir: Path):
        self.media_dir = media_dir
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            for item in getattr(self, "media", {}).values():
                Path(item["path"]).unlink(missing_ok=True)
            self.seq = itertools.count(1)
            self.messages: list[dict] = []
            self.media: dict[str, dict] = {}
            self.rules: list[_Rule] = []

    def take_rule(self, endpoint: str, to: str | None) -> _Rule | None:
        """The first injected rule matching this request, counted down (and dropped when used up)."""
        with self.lock:
            for rule in self.rules:
                if rule.endpoint == endpoint and (rule.to is None or rule.to == to):
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
                    return rule
        return None


# --- Validation, written independently of payloads.build_message so a builder bug shows up as a 400 ---------------

def _obj(parent: dict, key: str, where: str) -> dict:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise Refused(f"The parameter {where}{key} is required and must be an object.")
    return value


@overload
def _str(parent: dict, key: str, where: str, limit: int | None = None, required: Literal[True] = True) -> str: ...
@overload
def _str(parent: dict, key: str, where: str, limit: int | None = None, *, required: bool) -> str | None: ...
def _str(parent: dict, key: str, where: str, limit: int | None = None, required: bool = True) -> str | None:
    value = parent.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise Refused(f"The parameter {where}{key} is required and must be a non-empty string.")
    if limit is not None and p.char_len(value) > limit:
        raise Refused(f"Param {where}{key} must be at most {limit} characters long.")
    return value


def _header_footer(inter: dict, store: "_Store | None" = None) -> str | None:
    """Check the header and footer; returns the stored file of an image header (reply buttons only)."""
    path = None
    if "header" in inter:
        header = _obj(inter, "header", "interactive.")
        if header.get("type") == "image" and store is not None:
            path = _media_path(_obj(header, "image", "interactive.header."), "interactive.header.image.", store)
        elif header.get("type") != "text":
            raise Refused("interactive.header.type must be 'text'" + (" or 'image'." if store else
                                                                        " in a list message."))
        else:
            _str(header, "text", "interactive.header.", p.HEADER_MAX)
    if "footer" in inter:
        _str(_obj(inter, "footer", "interactive."), "text", "interactive.footer.", p.FOOTER_MAX)
    return path


def _check_buttons(inter: dict, store: "_Store") -> str | None:
    _str(_obj(inter, "body", "interactive."), "text", "interactive.body.", p.BUTTONS_BODY_MAX)
    buttons = _obj(inter, "action", "interactive.").get("buttons")
    if not isinstance(buttons, list) or not p.BUTTONS_MIN <= len(buttons) <= p.BUTTONS_MAX:
        raise Refused(f"interactive.action.buttons must hold {p.BUTTONS_MIN} to {p.BUTTONS_MAX} buttons.")
    ids, titles = set(), set()
    for i, button in enumerate(buttons):
        where = f"interactive.action.buttons[{i}]."
        if not isinstance(button, dict) or button.get("type") != "reply":
            raise Refused(f"{where}type must be 'reply'.")
        reply = _obj(button, "reply", where)
        ids.add(_str(reply, "id", where + "reply.", p.BUTTON_ID_MAX))
        titles.add(_str(reply, "title", where + "reply.", p.BUTTON_TITLE_MAX))
    if len(ids) != len(buttons) or len(titles) != len(buttons):
        raise Refused("Button ids and titles must be unique.")
    return _header_footer(inter, store)


def _check_list(inter: dict) -> None:
    _str(_obj(inter, "body", "interactive."), "text", "interactive.body.", p.LIST_BODY_MAX)
    action = _obj(inter, "action", "interactive.")
    _str(action, "button", "interactive.action.", p.LIST_BUTTON_MAX)
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= p.SECTIONS_MAX:
        raise Refused(f"interactive.action.sections must hold 1 to {p.SECTIONS_MAX} sections.")
    row_ids: list[str] = []
    for i, section in enumerate(sections):
        where = f"interactive.action.sections[{i}]."
        if not isinstance(section, dict):
            raise Refused(f"{where[:-1]} must be an object.")
        _str(section, "title", where, p.SECTION_TITLE_MAX, required=len(sections) > 1)
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise Refused(f"{where}rows must be a non-empty list.")
        for j, row in enumerate(rows):
            rwhere = f"{where}rows[{j}]."
            if not isinstance(row, dict):
                raise Refused(f"{rwhere[:-1]} must be an object.")
            row_ids.append(_str(row, "id", rwhere, p.ROW_ID_MAX))
            _str(row, "title", rwhere, p.ROW_TITLE_MAX)
            _str(row, "description", rwhere, p.ROW_DESCRIPTION_MAX, required=False)
    if len(row_ids) > p.ROWS_MAX:
        raise Refused(f"A list may hold at most {p.ROWS_MAX} rows in all sections; it has {len(row_ids)}.")
    if len(set(row_ids)) != len(row_ids):
        raise Refused("Row ids must be unique across all sections.")
    _header_footer(inter)


def _check_template(body: dict) -> None:
    template = _obj(body, "template", "")
    _str(template, "name", "template.")
    _str(_obj(template, "language", "template."), "code", "template.language.")
    components = template.get("components", [])
    if not isinstance(components, list):  # reference B5: a dict here is the heyoo bug
        raise Refused("template.components must be a list.")
    for i, comp in enumerate(components):
        where = f"template.components[{i}]."
        if not isinstance(comp, dict) or comp.get("type") not in ("header", "body", "button"):
            raise Refused(f"{where}type must be header, body or button.")
        if comp["type"] == "button" and (comp.get("sub_type") is None or comp.get("index") is None):
            raise Refused(f"{where}sub_type and index are required for a button component.")
        params = comp.get("parameters", [])
        if not isinstance(params, list):
            raise Refused(f"{where}parameters must be a list.")
        for j, param in enumerate(params):
            if not isinstance(param, dict) or not isinstance(param.get("type"), str):
                raise Refused(f"{where}parameters[{j}].type is required.")
            if param["type"] == "text":
                _str(param, "text", f"{where}parameters[{j}].")
            elif param["type"] == "payload":
                _str(param, "payload", f"{where}parameters[{j}].")


def _check_image(body: dict, store: _Store) -> str | None:
    image = _obj(body, "image", "")
    _str(image, "caption", "image.", p.CAPTION_MAX, required=False)
    return _media_path(image, "image.", store)


def _media_path(image: dict, where: str, store: _Store) -> str | None:
    """An image given by an uploaded media id (returns its stored file) or by link (returns None)."""
    if ("id" in image) == ("link" in image):
        raise Refused(f"{where[:-1]} must carry exactly one of id or link.")
    if "link" in image:
        _str(image, "link", where)
        return None
    media_id = _str(image, "id", where)
    with store.lock:
        media = store.media.get(media_id)
    if media is None:
        raise Refused(f"Media id {media_id} was not found: upload it first.")
    return media["path"]


def _check_message(body: dict, store: _Store) -> str | None:
    """Refused unless Meta would accept this send; returns the stored file of an image sent by id."""
    if body.get("messaging_product") != "whatsapp":
        raise Refused("The parameter messaging_product is required and must be 'whatsapp'.")
    to = body.get("to")
    if not isinstance(to, str) or not p.WA_ID.fullmatch(to):
        raise Refused("The parameter to is required and must be a phone number.")
    if body.get("recipient_type", "individual") != "individual":
        raise Refused("recipient_type must be 'individual'.")
    kind = body.get("type", "text")  # Meta: type defaults to text
    if kind == "text":
        text = _obj(body, "text", "")
        _str(text, "body", "text.", p.TEXT_BODY_MAX)
        if not isinstance(text.get("preview_url", False), bool):
            raise Refused("text.preview_url must be a boolean.")
    elif kind == "interactive":
        inter = _obj(body, "interactive", "")
        if inter.get("type") == "button":
            return _check_buttons(inter, store)
        elif inter.get("type") == "list":
            _check_list(inter)
        else:
            raise Refused("interactive.type must be 'button' or 'list' in this stand-in.")
    elif kind == "template":
        _check_template(body)
    elif kind == "image":
        return _check_image(body, store)
    else:
        raise Refused(f"Unsupported message type {kind!r} in this stand-in.")
    return None


# --- The app -------------------------------------------------------------------------------------------------------

def make_app(access_token: str, media_dir: str | Path, phone_number_id: str | None = None) -> Flask:
    """The stand-in as a Flask app; `phone_number_id`, when given, is the only sender id accepted."""
    store = _Store(Path(media_dir))
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.extensions["graph_standin"] = store

    def authorize() -> None:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), access_token.encode()):
            raise Refused("Invalid OAuth access token.", code=190,
                          message="Invalid OAuth access token - Cannot parse access token")

    def check_path(version: str, phone_id: str | None = None) -> None:
        if not VERSION.fullmatch(version):
            raise Refused(f"Unknown path components: /{version}", code=2500, message="Unknown path components")
        if phone_id is not None and phone_number_id and phone_id != phone_number_id:
            raise Refused(f"Object with ID '{phone_id}' does not exist, cannot be loaded due to missing "
                          "permissions, or does not support this operation.",
                          message="Unsupported post request.")

    def injected(endpoint: str, to: str | None) -> None:
        rule = store.take_rule(endpoint, to)
        if rule is None:
            return
        if rule.delay_s:
            time.sleep(rule.delay_s)  # outside the lock: other requests go on
        if rule.code is not None:
            raise Refused(rule.details or ERROR_TITLES.get(rule.code, "Injected failure"), code=rule.code,
                          status=rule.http_status)

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        return jsonify(_error_body(exc)), exc.status

    @app.errorhandler(404)
    def not_found(_exc):
        return jsonify(_error_body(Refused(f"Unknown path components: {request.path}", code=2500,
                                           message="Unknown path components"))), 404

    @app.errorhandler(413)
    def too_large(_exc):
        return jsonify(_error_body(Refused("Request body too large.", code=131053))), 413

    @app.post("/<version>/<phone_id>/messages")
    def messages(version: str, phone_id: str):
        authorize()
        check_path(version, phone_id)
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            raise Refused("The request body must be a JSON object.")
        media_path = _check_message(body, store)
        injected("messages", body["to"])
        wamid = "wamid.STANDIN" + uuid.uuid4().hex.upper()
        record = {"to": body["to"], "type": body.get("type", "text"), "wamid": wamid, "payload": body,
                  "at": time.time()}
        if media_path:
            record["media_path"] = media_path
        with store.lock:
            record["seq"] = next(store.seq)
            store.messages.append(record)
        return jsonify({"messaging_product": "whatsapp",
                        "contacts": [{"input": body["to"], "wa_id": body["to"].lstrip("+")}],
                        "messages": [{"id": wamid}]})

    @app.post("/<version>/<phone_id>/media")
    def upload(version: str, phone_id: str):
        authorize()
        check_path(version, phone_id)
        if request.form.get("messaging_product") != "whatsapp":
            raise Refused("The parameter messaging_product is required and must be 'whatsapp'.")
        file = request.files.get("file")
        if file is None:
            raise Refused("The parameter file is required.")
        mime = request.form.get("type") or file.mimetype
        if mime not in MEDIA_TYPES:
            raise Refused(f"Param file must be a file with one of the following types: {', '.join(MEDIA_TYPES)}. "
                          f"Received file of type '{mime}'.")
        data = file.read()
        if len(data) > p.IMAGE_MAX_BYTES:
            raise Refused(f"File is {len(data)} bytes; images may be at most {p.IMAGE_MAX_BYTES}.", code=131053)
        try:
            detected = p.image_mime(data)
        except ValueError:
            detected = None
        if detected != mime:
            raise Refused(f"File content is not a valid {mime}.", code=131053)
        injected("media", None)
        media_id = str(uuid.uuid4().int)[:16]
        store.media_dir.mkdir(parents=True, exist_ok=True)
        path = store.media_dir / f"{media_id}.{MEDIA_TYPES[mime]}"
        path.write_bytes(data)
        with store.lock:
            store.media[media_id] = {"id": media_id, "path": str(path), "mime_type": mime,
                                     "sha256": hashlib.sha256(data).hexdigest(), "file_size": len(data),
                                     "filename": file.filename or ""}
        return jsonify({"id": media_id})

    @app.get("/<version>/<media_id>")
    def media_info(version: str, media_id: str):
        authorize()
        check_path(version)
        with store.lock:
            media = store.media.get(media_id)
        if media is None:
            raise Refused(f"Media id {media_id} was not found.")
        return jsonify({"messaging_product": "whatsapp", "id": media_id, "mime_type": media["mime_type"],
                        "sha256": media["sha256"], "file_size": media["file_size"],
                        "url": f"{request.host_url}_standin/media/{media_id}"})

    # --- Control and inspection routes for tests and the chat simulator (not part of Meta's API) ---------------

    @app.get("/_standin/health")
    def health():
        return jsonify({"ok": True})

    @app.get("/_standin/messages")
    def recorded():
        to = request.args.get("to")
        after = request.args.get("after", default=0, type=int)
        with store.lock:
            out = [m for m in store.messages if m["seq"] > after and (to is None or m["to"] == to)]
        return jsonify({"messages": out})

    @app.get("/_standin/media/<media_id>")
    def media_file(media_id: str):
        authorize()
        with store.lock:
            media = store.media.get(media_id)
        if media is None:
            raise Refused(f"Media id {media_id} was not found.")
        return Path(media["path"]).read_bytes(), 200, {"Content-Type": media["mime_type"]}

    @app.post("/_standin/fail")
    def fail():
        spec = request.get_json(force=True, silent=True)
        if not isinstance(spec, dict):
            return jsonify({"error": "body must be a JSON object"}), 400
        code, delay = spec.get("code"), spec.get("delay_s", 0)
        endpoint = spec.get("endpoint", "messages")
        if (code is not None and not isinstance(code, int)) or not isinstance(delay, (int, float)) \
                or (code is None and not delay) or endpoint not in ("messages", "media"):
            return jsonify({"error": "need an integer code and/or delay_s > 0; endpoint messages|media"}), 400
        rule = _Rule(to=spec.get("to"), endpoint=endpoint, code=code, times=int(spec.get("times", 1)),
                     http_status=spec.get("http_status"), delay_s=float(delay), details=spec.get("details", ""))
        with store.lock:
            store.rules.append(rule)
        return jsonify({"ok": True})

    @app.post("/_standin/reset")
    def reset():
        store.reset()
        return jsonify({"ok": True})

    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the stand-in until interrupted (threaded, like Meta: many sends at once)."""
    from werkzeug.serving import run_simple

    from shared.config import LOCAL_PHONE_NUMBER_ID, LOCAL_SECRET

    parser = argparse.ArgumentParser(description="Local stand-in for Meta's Graph API (WhatsApp Cloud API).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--token", default=LOCAL_SECRET, help="the bearer token to accept (default: local placeholder)")
    parser.add_argument("--media-dir", default=".run/local/media", help="where uploaded media is kept")
    parser.add_argument("--phone-number-id", default=None,
                        help=f"accept only this sender id (e.g. {LOCAL_PHONE_NUMBER_ID}); default: any")
    args = parser.parse_args(argv)
    app = make_app(args.token, args.media_dir, args.phone_number_id)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
