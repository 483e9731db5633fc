"""The webhook edge: Meta's verification handshake, the raw-body signature, and malformed envelopes."""
import json

import pytest

from shared.whatsapp.webhook import BadPayload, answer_challenge, check_signature, count_updates, parse_envelope, sign

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


def test_counts_every_entry_and_change_not_only_the_first():
    """Batched envelopes are counted across all entries and changes."""
    change = {"field": "messages", "value": {"messages": [{"id": "a"}, {"id": "b"}], "statuses": [{"id": "s"}]}}
    envelope = {"object": "whatsapp_business_account", "entry": [{"changes": [change, change]}, {"changes": [change]}]}

    assert count_updates(envelope) == (6, 3)


def test_counting_tolerates_junk_inside_a_valid_envelope():
    """Unexpected shapes inside entries do not raise."""
    envelope = {"object": "whatsapp_business_account", "entry": [None, 3, {"changes": [None, {"value": "x"}]}]}

    assert count_updates(envelope) == (0, 0)
