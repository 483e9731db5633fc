"""The webhook edge: Meta's verification handshake, the raw-body signature, and malformed envelopes."""
import json

import pytest

from shared.whatsapp.webhook import BadPayload, answer_challenge, check_signature, parse_envelope, parse_updates, sign

SECRET = "app-secret"


def test_challenge_is_echoed_when_mode_and_token_match():
    """Meta's subscribe handshake gets its challenge back as the plain body."""
    assert answer_challenge({"hub.mode": "subscribe", "hub.verify_token": "t", "hub.challenge": "1158201444"}, "t") == (
        "1158201444", 200)


@pytest.mark.parametrize("args", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": "t", "hub.challenge": "1"},
    {"hub.verify_token": "t", "hub.challenge": "1"},
    {},
])
def test_challenge_is_refused_otherwise(args):
    """A wrong token, wrong mode or missing parameter is 403."""
    assert answer_challenge(args, "t")[1] == 403


def test_signature_over_raw_bytes_with_emoji_passes():
    """Meta signs the raw escaped-unicode bytes; checking those bytes passes."""
    body = json.dumps({"text": "Bunda 👶 é"}).encode()  # json.dumps escapes to \\ud83d..., as Meta does

    assert check_signature(body, {"X-Hub-Signature-256": sign(body, SECRET)}, SECRET) is None


def test_signature_is_case_insensitive_in_hex():
    """An uppercase hex digest is the same signature."""
    body = b'{"a":1}'
    header = "sha256=" + sign(body, SECRET).split("=", 1)[1].upper()

    assert check_signature(body, {"X-Hub-Signature-256": header}, SECRET) is None


def test_one_changed_byte_is_forbidden():
    """Altering the body by one byte breaks the signature (403)."""
    body = b'{"a":1}'

    assert check_signature(b'{"a":2}', {"X-Hub-Signature-256": sign(body, SECRET)}, SECRET) == ("forbidden", 403)


@pytest.mark.parametrize("headers,status", [({}, 401), ({"X-Hub-Signature-256": "md5=abc"}, 403),
                                            ({"X-Hub-Signature-256": "sha256="}, 403)])
def test_missing_or_malformed_signature(headers, status):
    """No header is 401; a header of the wrong form is 403."""
    assert check_signature(b"{}", headers, SECRET)[1] == status


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"[]", b'{"object":"page","entry":[]}',
                                  b'{"object":"whatsapp_business_account","entry":{}}'])
def test_malformed_envelopes_are_bad_payloads(body):
    """Anything that is not a WhatsApp Business Account envelope is refused before processing."""
    with pytest.raises(BadPayload):
        parse_envelope(body)


def _message(i, kind="text", **extra):
    return {"from": "6281200000001", "id": f"wamid.{i}", "timestamp": str(1700000000 + i), "type": kind, **extra}


def test_every_entry_and_change_is_parsed_not_only_the_first():
    """Batched envelopes yield every message and status across all entries and changes."""
    change = {"field": "messages", "value": {"messages": [_message(1, text={"body": "a"}),
                                                          _message(2, text={"body": "b"})],
                                             "statuses": [{"id": "wamid.out", "status": "read",
                                                           "recipient_id": "6281200000001", "timestamp": "1"}]}}
    envelope = {"object": "whatsapp_business_account", "entry": [{"changes": [change, change]}, {"changes": [change]}]}

    updates = parse_updates(parse_envelope(json.dumps(envelope).encode()))

    assert (len(updates.messages), len(updates.statuses)) == (6, 3)


@pytest.mark.parametrize("message,kind,text,reply_id", [
    (_message(1, text={"body": "bb 9,1 👶"}), "text", "bb 9,1 👶", ""),
    (_message(2, "interactive", interactive={"type": "button_reply", "button_reply": {"id": "sex:F", "title": "P"}}),
     "interactive", "P", "sex:F"),
    (_message(3, "interactive", interactive={"type": "list_reply", "list_reply": {"id": "menu:help", "title": "B",
                                                                                 "description": "d"}}),
     "interactive", "B", "menu:help"),
    (_message(4, "button", button={"payload": "remind:later", "text": "Ingatkan lagi"}), "button", "Ingatkan lagi",
     "remind:later"),
    (_message(5, "image", image={"id": "m1", "mime_type": "image/jpeg", "caption": "kms"}), "image", "kms", ""),
    (_message(6, "location", location={"latitude": -6.2, "longitude": 106.8}), "location", "", ""),
    (_message(7, "unsupported", errors=[{"code": 131051}]), "unsupported", "", ""),
    (_message(8, "reaction", reaction={"message_id": "wamid.x", "emoji": "👍"}), "reaction", "", ""),
])
def test_each_message_type_is_reduced_to_what_tumbuh_uses(message, kind, text, reply_id):
    """Text, taps, template quick replies, media captions and the rest parse to kind, text and reply id."""
    envelope = {"object": "whatsapp_business_account",
                "entry": [{"changes": [{"value": {"messages": [message]}}]}]}

    (parsed,) = parse_updates(parse_envelope(json.dumps(envelope).encode())).messages

    assert (parsed.kind, parsed.text, parsed.reply_id) == (kind, text, reply_id)


def test_failed_status_carries_its_error_code():
    """A failed delivery status keeps Meta's error code (131026: unreachable)."""
    status = {"id": "wamid.o", "status": "failed", "recipient_id": "6281200000001", "timestamp": "1700000000",
              "errors": [{"code": 131026, "title": "Message undeliverable"}]}
    envelope = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"statuses": [status]}}]}]}

    (parsed,) = parse_updates(parse_envelope(json.dumps(envelope).encode())).statuses

    assert (parsed.status, parsed.error_code, parsed.timestamp) == ("failed", 131026, 1700000000)


@pytest.mark.parametrize("message", [
    {"id": "w", "timestamp": "1", "type": "text"},  # no sender
    {"from": "+62 812", "id": "w", "timestamp": "1", "type": "text"},  # not a wa_id
    {"from": "6281200000001", "id": "w", "timestamp": "soon", "type": "text"},
    {"from": "6281200000001", "id": "w", "timestamp": "1", "type": "text", "text": {"body": 5}},
])
def test_messages_that_break_the_contract_make_the_whole_body_a_bad_payload(message):
    """Schema violations inside a message are refused (400) before anything is processed."""
    envelope = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"messages": [message]}}]}]}

    with pytest.raises(BadPayload):
        parse_envelope(json.dumps(envelope).encode())
