"""JSON logging: Cloud Logging fields, request trace, context, and no phone numbers, names or dates in the output."""
import hashlib
import io
import json
import logging
import secrets
import sys

import pytest

from shared import __version__
from shared.events import Event, emit
from shared.logs import (REPORTED_ERROR_EVENT, JsonFormatter, bind, mask_digits, mask_text, setup_logging,
                         trace_from_header, unbind, wa_hash)
from shared.whatsapp.errors import error_for

# A Graph API error answer that quotes a recipient back, in every free-text field Meta has (and nested lists).
HOSTILE_GRAPH_ERROR = {"error": {
    "message": "(#131009) Parameter value is not valid: Siti Aminah 6281234567890 lahir 2023-04-05",
    "type": "OAuthException",
    "code": 131009,
    "error_subcode": 2494010,
    "error_user_title": "Siti Aminah",
    "error_user_msg": "Nomor 6281234567890 (Siti Aminah, lahir 5 April 2023) tidak valid",
    "error_data": {
        "messaging_product": "whatsapp",
        "details": "to: 6281234567890 name: Siti Aminah dob: 2023-04-05",
        "nested": [["Siti Aminah", "2023-04-05", ("5 April 2023", "6281234567890")],
                   {"wa": "6281234567890", "born": "5 April 2023", "dob": "2023-04-05"}],
    },
    "fbtrace_id": "AZf3xY_9Qk2-LbT",
}}
LEAKS = ("6281234567890", "Siti", "Aminah", "2023-04-05", "5 April 2023")


pytestmark = pytest.mark.usefixtures("restore_logging")  # each test sets up logging into its own stream


def _capture():
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    return stream


def test_lines_are_json_with_severity_message_and_context():
    """Each record becomes one JSON object with Cloud Logging's severity and our context fields."""
    stream = _capture()

    logging.getLogger("t").warning("slow reply", extra={"ctx": {"ms": 812}})

    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert (entry["severity"], entry["message"], entry["context"]["ms"]) == ("WARNING", "slow reply", 812)


def test_bound_trace_goes_to_the_cloud_logging_trace_field():
    """While a request is bound, its trace is attached in Cloud Logging's own field."""
    stream = _capture()
    token = bind(trace=trace_from_header("105445aa7843bc8bf206b12000100000/1;o=1", "proj"), function="webhook")

    logging.getLogger("t").info("hello")
    unbind(token)
    logging.getLogger("t").info("after")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines()[-2:])
    assert first["logging.googleapis.com/trace"] == "projects/proj/traces/105445aa7843bc8bf206b12000100000"
    assert first["context"]["function"] == "webhook"
    assert "logging.googleapis.com/trace" not in second


def test_phone_numbers_and_nik_are_masked_even_in_tracebacks():
    """A number slipped into a message or an exception never reaches the log."""
    stream = _capture()

    try:
        raise ValueError("no guardian for 6281234567890")
    except ValueError:
        logging.getLogger("t").exception("lookup failed for +62 812-3456-7890, NIK 3171234567890001")

    out = stream.getvalue()
    for digits in ("6281234567890", "812-3456-7890", "3171234567890001"):
        assert digits not in out


def test_short_numbers_survive_masking():
    """Measurements and counts are not mistaken for phone numbers."""
    assert mask_digits("weighed 12.5 kg, 3 children, 2024") == "weighed 12.5 kg, 3 children, 2024"


def test_wa_hash_is_stable_and_hides_the_number():
    """The same id always gives the same pseudonym, which does not contain the number."""
    assert wa_hash("6281234567890") == wa_hash("6281234567890") != wa_hash("6281234567891")
    assert "628" not in wa_hash("6281234567890")


def test_bad_trace_header_is_ignored():
    """A malformed trace header does not produce a bogus trace name."""
    assert trace_from_header("not a trace!", "proj") is None and trace_from_header("abc/1", "") is None


def test_a_hostile_graph_error_leaks_nothing_as_context_or_as_exception():
    """Names, numbers and dates in any field of a Graph API error, nested or not, never reach the JSON line;
    its codes and trace id do."""
    stream = _capture()

    try:
        raise error_for(400, HOSTILE_GRAPH_ERROR["error"])
    except Exception:
        logging.getLogger("t").exception("send refused", extra={"ctx": {"answer": HOSTILE_GRAPH_ERROR}})

    line = stream.getvalue().splitlines()[-1]
    entry = json.loads(line)
    for leak in LEAKS:
        assert leak not in line
    error = entry["context"]["answer"]["error"]
    assert (error["code"], error["type"], error["fbtrace_id"]) == (131009, "OAuthException", "AZf3xY_9Qk2-LbT")
    assert error["error_data"]["nested"][0][0] == "<withheld 11 chars>"
    assert "shared.whatsapp.errors.WhatsAppPermanent: <withheld" in entry["stack_trace"]


def test_other_extras_bound_context_and_message_arguments_are_masked_too():
    """Not only `ctx`: extra fields, the request's bound fields and %-arguments are walked as well."""
    stream = _capture()
    token = bind(function="webhook", who="Siti Aminah 6281234567890")

    logging.getLogger("t").warning("refused for %s on %s", "Siti Aminah", "2023-04-05",
                                   extra={"detail": ["lahir 5 April 2023"], "count": 3})
    unbind(token)

    line = stream.getvalue().splitlines()[-1]
    for leak in LEAKS:
        assert leak not in line
    entry = json.loads(line)
    assert (entry["context"]["function"], entry["context"]["count"]) == ("webhook", 3)


@pytest.mark.parametrize("text", [
    "2023-04-05", "05-04-2023", "5/4/2023", "05.04.2023", "5 April 2023", "5 Apr 2023", "17 Agustus 2023",
    "1 Mei 2024", "3 Des 2022", "April 5, 2023", "05-Okt-2023", "2023-04-05T10:00:00Z",
])
def test_dates_in_every_common_form_are_masked(text):
    """A birth date is child data whatever way it is written."""
    assert mask_text(f"lahir {text} ya").startswith("lahir <date>")


@pytest.mark.parametrize("text", ["weighed 12.5 kg in 2024", "v21.0", "10.20.30.40", "took 812 ms", "3.11.7"])
def test_measurements_versions_and_addresses_are_not_dates(text):
    """Masking keeps what an operator needs."""
    assert mask_text(text) == text


def test_email_addresses_are_masked():
    """An e-mail address identifies a person as well as a phone number does."""
    assert mask_text("owner siti.aminah+1@example.co.id said") == "owner <email> said"


def test_code_tokens_numbers_and_pseudonyms_are_kept_in_context():
    """Short codes, numbers, booleans and wa_hash values stay readable; free text is withheld with its length."""
    stream = _capture()
    pseudonym = wa_hash("6281234567890")

    logging.getLogger("t").info("x", extra={"ctx": {"kind": "text", "ms": 81.2, "ok": True, "wa": pseudonym,
                                                    "why": "the parent wrote back", "phone": 6281234567890}})

    ctx = json.loads(stream.getvalue().splitlines()[-1])["context"]
    assert (ctx["kind"], ctx["ms"], ctx["ok"], ctx["wa"]) == ("text", 81.2, True, pseudonym)
    assert ctx["why"] == "<withheld 21 chars>" and "6281234567890" not in str(ctx["phone"])


@pytest.fixture
def restore_pseudonym_key():
    yield
    setup_logging("INFO", pseudonym_key=secrets.token_hex(32))


def test_wa_hash_is_keyed_and_not_a_plain_hash(restore_pseudonym_key):
    """Without the key nobody can enumerate numbers against a pseudonym: two keys give two pseudonyms, neither
    of them the old unkeyed hash."""
    wa_id = "6281234567890"
    unkeyed = hashlib.sha256(("tumbuh:" + wa_id).encode()).hexdigest()
    before = wa_hash(wa_id)  # the random per-process key of a process that installed none

    setup_logging("INFO", pseudonym_key="k" * 16 + secrets.token_hex(16))
    first = wa_hash(wa_id)
    setup_logging("INFO", pseudonym_key="m" * 16 + secrets.token_hex(16))
    second = wa_hash(wa_id)

    assert len({before, first, second}) == 3 and len(first) == 16
    assert not any(h in unkeyed for h in (before, first, second))


def _last(stream: io.StringIO) -> dict:
    return json.loads(stream.getvalue().splitlines()[-1])


def _fail(logger: logging.Logger, words: str, text: str = "boom", level: int = logging.ERROR) -> None:
    try:
        raise RuntimeError(text)
    except RuntimeError:
        logger.log(level, words, exc_info=True)


def test_a_bug_is_in_error_reportings_shape_named_by_the_platform(monkeypatch):
    """On Cloud Run: the service and revision the platform names, the ReportedErrorEvent type, and the stack trace
    both in stack_trace and after the words in message."""
    monkeypatch.setenv("K_SERVICE", "tumbuh-webhook")
    monkeypatch.setenv("K_REVISION", "tumbuh-webhook-00042-xiv")
    stream = _capture()

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        emit(logging.getLogger("t"), Event.REQUEST_FAILED, exc_info=True, function="whatsapp_webhook")

    entry = _last(stream)
    assert entry["serviceContext"] == {"service": "tumbuh-webhook", "version": "tumbuh-webhook-00042-xiv"}
    assert entry["@type"] == REPORTED_ERROR_EVENT and entry["severity"] == "ERROR"
    assert entry["message"].startswith("request failed\nTraceback (most recent call last):\n  File ")
    assert entry["message"].endswith("RuntimeError: boom") and entry["stack_trace"].endswith("RuntimeError: boom")
    assert entry["message"] == "request failed\n" + entry["stack_trace"]
    assert entry["context"]["event"] == "request.failed"


def test_off_the_platform_the_service_is_the_installed_name_and_the_version_tumbuhs(monkeypatch):
    """Locally and in tests: the name setup_logging installed (kept by later calls that name none), Tumbuh's
    version; with no name installed, "tumbuh"."""
    monkeypatch.delenv("K_SERVICE", raising=False)
    monkeypatch.delenv("K_REVISION", raising=False)
    setup_logging("INFO", stream=io.StringIO(), service="scheduler")
    stream = _capture()  # a new stream keeps the installed name
    setup_logging("INFO")  # as build_app does after the function's Instance

    _fail(logging.getLogger("t"), "tick failed")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    bare = json.loads(JsonFormatter().format(record))

    assert _last(stream)["serviceContext"] == {"service": "scheduler", "version": __version__}
    assert bare["serviceContext"] == {"service": "tumbuh", "version": __version__}


@pytest.mark.parametrize("level", [logging.ERROR, logging.CRITICAL])
def test_error_reportings_fields_come_with_an_exception_at_error_or_above(level):
    """ERROR and CRITICAL lines with an exception are reported."""
    stream = _capture()

    _fail(logging.getLogger("t"), "failed", level=level)

    assert "@type" in _last(stream) and "serviceContext" in _last(stream)


def test_lines_without_an_exception_or_below_error_keep_their_shape():
    """An error without an exception (a refused configuration, a failed backup) and a warning with one are not
    reported as errors: no @type, no serviceContext, the message only the words; a warning keeps its trace."""
    stream = _capture()
    log = logging.getLogger("t")

    log.error("backup failed: TransientError")
    _fail(log, "retrying", level=logging.WARNING)

    error, warning = (json.loads(line) for line in stream.getvalue().splitlines()[-2:])
    for entry in (error, warning):
        assert "@type" not in entry and "serviceContext" not in entry
    assert (error["message"], warning["message"]) == ("backup failed: TransientError", "retrying")
    assert "stack_trace" not in error and warning["stack_trace"].startswith("Traceback (most recent call last):")


def test_personal_data_stays_masked_in_the_reported_message_and_trace():
    """The trace repeated in message is the masked one: no name, number, date or e-mail address from the words'
    arguments or the exception's text reaches either field."""
    stream = _capture()

    try:
        raise ValueError("no guardian for Siti Aminah 6281234567890, lahir 2023-04-05, siti.aminah@example.co.id")
    except ValueError:
        logging.getLogger("t").exception("lookup failed for %s born %s", "Siti Aminah", "5 April 2023")

    line = stream.getvalue().splitlines()[-1]
    entry = json.loads(line)
    for leak in (*LEAKS, "siti.aminah@example.co.id"):
        assert leak not in line
    assert entry["message"].startswith("lookup failed for <withheld 11 chars> born <withheld 12 chars>\nTraceback")
    assert entry["stack_trace"].endswith("ValueError: <withheld 86 chars>")
    assert "@type" in entry
