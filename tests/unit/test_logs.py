"""JSON logging: Cloud Logging fields, request trace, context, and no phone numbers in the output."""
import io
import json
import logging

from shared.logs import bind, mask_digits, setup_logging, trace_from_header, unbind, wa_hash


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
