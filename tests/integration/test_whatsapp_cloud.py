"""WhatsAppCloudMessenger against the Graph API stand-in over real loopback HTTP: payloads, uploads and error codes."""
import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from shared.adapters.local.graph_standin import make_app
from shared.adapters.whatsapp_cloud import WhatsAppCloudMessenger
from shared.errors import PermanentError, TransientError
from shared.whatsapp import errors as e
from shared.whatsapp.outgoing import Button, Buttons, Image, ListMessage, Row, Section, Template, Text
from shared.whatsapp.payloads import build_message

pytestmark = pytest.mark.integration

TOKEN = "test-graph-token"
PHONE_ID = "100000000000001"
TO = "6281200000001"
OTHER = "6281200000002"
PNG = b"\x89PNG\r\n\x1a\n" + b"chart-bytes" * 50
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(graph_server):
    """The session's stand-in (tests/conftest.py): its URL and its in-memory store."""
    return graph_server


@pytest.fixture
def base(server):
    """The stand-in's root URL, emptied before the test."""
    url, _store = server
    requests.post(f"{url}/_standin/reset", timeout=5).raise_for_status()
    return url


@pytest.fixture
def messenger(base):
    """A messenger pointed at the stand-in, as bootstrap would build it locally."""
    m = WhatsAppCloudMessenger(f"{base}/v21.0", TOKEN, PHONE_ID, timeout_s=5)
    yield m
    m.close()


def recorded(base: str, **params) -> list[dict]:
    return requests.get(f"{base}/_standin/messages", params=params, timeout=5).json()["messages"]


def fail_next(base: str, **spec) -> None:
    requests.post(f"{base}/_standin/fail", json=spec, timeout=5).raise_for_status()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Sending every kind -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("msg", [
    Text("Halo Bunda 👶, data Ani sudah tersimpan."),
    Buttons(body="Jenis kelamin anak?", buttons=(Button("m", "Laki-laki"), Button("f", "Perempuan")),
            footer="Ketik batal untuk berhenti"),
    ListMessage(body="Pilih menu:", button="Menu", header="Tumbuh",
                sections=(Section("Anak", (Row("ukur", "Ukur anak", "Tinggi dan berat"),
                                           Row("grafik", "Lihat grafik pertumbuhan"))),
                          Section("Lain", (Row("bantuan", "Bantuan"),)))),
    Template("pengingat_penimbangan", "id", body_params=("Ani", "12-09-2025"), quick_replies=("sudah", "nanti")),
], ids=["text", "buttons", "list", "template"])
def test_each_kind_arrives_as_the_built_payload(base, messenger, msg):
    """The stand-in accepts the message and records exactly the body the builder made, under the returned wamid."""
    wamid = messenger.send(build_message(TO, msg))

    [record] = recorded(base, to=TO)
    assert wamid.startswith("wamid.") and record["wamid"] == wamid
    assert record["payload"] == build_message(TO, msg)


def test_image_is_uploaded_then_sent_by_media_id(base, messenger):
    """An image is uploaded (file kept by the stand-in) and then sent by the returned media id with its caption."""
    media_id = messenger.upload_media(PNG)
    wamid = messenger.send(build_message(TO, Image(media_id, caption="Grafik TB/U Ani 📈")))

    [record] = recorded(base, to=TO)
    assert record["wamid"] == wamid
    assert record["payload"]["image"]["caption"] == "Grafik TB/U Ani 📈"
    assert Path(record["media_path"]).read_bytes() == PNG
    assert record["media_path"].endswith(media_id + ".png")


def test_each_upload_is_a_new_media_id(server, base, messenger):
    """The messenger remembers nothing: the caller keeps media ids under its content key, shared by every instance
    (services.delivery), so the same bytes uploaded twice are two uploads."""
    _url, store = server

    assert messenger.upload_media(PNG) != messenger.upload_media(PNG)
    assert len(store.media) == 2


def test_a_media_id_the_server_forgot_is_refused_with_a_code_the_sender_uploads_again_for(base, messenger):
    """After the stand-in is reset an uploaded id is unknown: Meta's answer carries one of MEDIA_GONE_CODES, which
    makes services.delivery upload the chart again."""
    media_id = messenger.upload_media(PNG)
    requests.post(f"{base}/_standin/reset", timeout=5)

    with pytest.raises(e.WhatsAppPermanent) as refused:
        messenger.send(build_message(TO, Image(media_id)))

    assert refused.value.code in e.MEDIA_GONE_CODES


def test_uploaded_media_can_be_looked_up_and_downloaded(base, messenger):
    """GET /{media-id} answers the media URL, which serves the stored bytes to the bearer."""
    media_id = messenger.upload_media(PNG)
    auth = {"Authorization": f"Bearer {TOKEN}"}

    info = requests.get(f"{base}/v21.0/{media_id}", headers=auth, timeout=5).json()
    data = requests.get(info["url"], headers=auth, timeout=5).content

    assert (info["mime_type"], info["file_size"], data) == ("image/png", len(PNG), PNG)


def test_recorded_messages_filter_by_number_and_sequence(base, messenger):
    """`to` narrows to one person and `after` returns only newer sends, in order."""
    messenger.send(build_message(TO, Text("satu")))
    messenger.send(build_message(OTHER, Text("dua")))
    messenger.send(build_message(TO, Text("tiga")))
    first = recorded(base, to=TO)[0]["seq"]

    later = recorded(base, to=TO, after=first)

    assert [r["payload"]["text"]["body"] for r in later] == ["tiga"]


def test_concurrent_sends_get_distinct_wamids_and_sequence_numbers(base, messenger):
    """Eight threads sending at once: eight records, all ids and sequence numbers distinct."""
    barrier = threading.Barrier(8)
    wamids = []

    def send(i):
        barrier.wait()
        wamids.append(messenger.send(build_message(TO, Text(f"pesan {i}"))))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    records = recorded(base, to=TO)
    assert len(set(wamids)) == 8 and len({r["seq"] for r in records}) == 8


# --- Meta's error codes through the messenger --------------------------------------------------------------------

@pytest.mark.parametrize("code, cls, status", [
    (131047, e.OutsideWindow, 400),
    (131026, e.Unreachable, 400),
    (130429, e.RateLimited, 429),
    (131056, e.RateLimited, 429),
    (131057, e.RateLimited, 400),
    (80007, e.RateLimited, 400),
    (131048, e.SpamLimited, 400),
    (131049, e.SpamLimited, 400),
    (190, e.AuthFailed, 401),
    (100, e.InvalidMessage, 400),
    (132000, e.TemplateError, 400),
    (132001, e.TemplateError, 400),
    (132012, e.TemplateError, 400),
])
def test_meta_error_code_becomes_its_typed_error(base, messenger, code, cls, status):
    """An injected Meta error arrives as its class, with the code and Meta's HTTP status, and nothing is recorded."""
    fail_next(base, to=TO, code=code)

    with pytest.raises(cls) as info:
        messenger.send(build_message(TO, Text("Halo")))

    assert (info.value.code, info.value.http_status) == (code, status)
    assert info.value.fbtrace_id
    assert recorded(base) == []


def test_rate_limited_is_transient_and_suggests_a_delay(base, messenger):
    """A pair-rate-limit refusal is a TransientError carrying Meta's suggested pause."""
    fail_next(base, to=TO, code=131056)

    with pytest.raises(TransientError) as info:
        messenger.send(build_message(TO, Text("Halo")))

    assert info.value.retry_after_s == 6.0


def test_outside_window_is_permanent_and_the_template_then_goes_through(base, messenger):
    """131047 fails the free-form text for good; the caller's template resend succeeds."""
    fail_next(base, to=TO, code=131047)

    with pytest.raises(PermanentError):
        messenger.send(build_message(TO, Text("Halo")))
    wamid = messenger.send(build_message(TO, Template("pengingat_penimbangan", "id", body_params=("Ani",))))

    assert [r["wamid"] for r in recorded(base, to=TO)] == [wamid]


def test_injected_failure_is_used_up_and_targets_one_number(base, messenger):
    """A failure for one number, twice, leaves other numbers alone and then stops."""
    fail_next(base, to=TO, code=131026, times=2)

    assert messenger.send(build_message(OTHER, Text("Halo")))
    for _ in range(2):
        with pytest.raises(e.Unreachable):
            messenger.send(build_message(TO, Text("Halo")))
    assert messenger.send(build_message(TO, Text("Halo")))


def test_server_error_is_transient(base, messenger):
    """An HTTP 500 from the Graph API is a TransientError."""
    fail_next(base, to=TO, code=131000, http_status=500)

    with pytest.raises(e.WhatsAppTransient) as info:
        messenger.send(build_message(TO, Text("Halo")))

    assert info.value.http_status == 500


def test_other_client_error_is_permanent(base, messenger):
    """A 4xx code outside the known list (recipient not in the test allow-list) is a plain PermanentError."""
    fail_next(base, to=TO, code=131030)

    with pytest.raises(e.WhatsAppPermanent) as info:
        messenger.send(build_message(TO, Text("Halo")))

    assert type(info.value) is e.WhatsAppPermanent and info.value.code == 131030


def test_wrong_token_is_auth_failed_logged_critical_without_the_number(base, caplog):
    """A bad token is AuthFailed, logged at CRITICAL with a hash, never the phone number or the text."""
    m = WhatsAppCloudMessenger(f"{base}/v21.0", "expired-token", PHONE_ID)

    with caplog.at_level(logging.INFO), pytest.raises(e.AuthFailed) as info:
        m.send(build_message(TO, Text("Data Ani rahasia")))

    assert info.value.http_status == 401
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)
    logged = caplog.text + " ".join(str(getattr(r, "ctx", "")) for r in caplog.records)
    assert TO not in logged and "Ani" not in logged


def test_upload_failure_maps_like_a_send(base, messenger):
    """A failure injected on the media endpoint surfaces from upload_media() like a send's, and nothing goes out."""
    fail_next(base, endpoint="media", code=130429)

    with pytest.raises(e.RateLimited):
        messenger.upload_media(PNG)

    assert recorded(base) == []


def test_timeout_is_transient(base):
    """A Graph API slower than the timeout is a TransientError (the caller may retry)."""
    fail_next(base, to=TO, delay_s=1.0)
    m = WhatsAppCloudMessenger(f"{base}/v21.0", TOKEN, PHONE_ID, timeout_s=0.2)

    with pytest.raises(e.WhatsAppTransient):
        m.send(build_message(TO, Text("Halo")))

    # Like Meta, the slow server still sends it: a retry after a read timeout can duplicate a message.
    deadline = time.monotonic() + 5
    while not recorded(base, to=TO):
        assert time.monotonic() < deadline, "the delayed send never completed"
        time.sleep(0.05)


def test_refused_connection_is_transient():
    """Nothing listening on the port is a TransientError, not a crash."""
    m = WhatsAppCloudMessenger(f"http://127.0.0.1:{free_port()}/v21.0", TOKEN, PHONE_ID, timeout_s=1)

    with pytest.raises(TransientError):
        m.send(build_message(TO, Text("Halo")))


def test_invalid_image_is_refused_before_any_request(base, messenger):
    """A GIF never leaves the process: InvalidMessage, no upload, no send."""
    with pytest.raises(e.InvalidMessage):
        messenger.upload_media(b"GIF89a" + b"\x00" * 10)

    assert recorded(base) == []


# --- The stand-in's own validation, as Meta does it ---------------------------------------------------------------

def raw_send(base: str, body: dict, token: str = TOKEN, phone_id: str = PHONE_ID) -> requests.Response:
    return requests.post(f"{base}/v21.0/{phone_id}/messages", json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=5)


def test_standin_refuses_an_over_long_button_title_in_metas_error_shape(base):
    """A hand-made body with a 24-character title gets 400 and Meta's error object with code 100."""
    body = build_message(TO, Buttons("Pilih:", (Button("g", "Grafik"),)))
    body["interactive"]["action"]["buttons"][0]["reply"]["title"] = "Lihat grafik pertumbuhan"

    resp = raw_send(base, body)

    error = resp.json()["error"]
    assert resp.status_code == 400
    assert (error["code"], error["type"], error["error_data"]["messaging_product"]) == (100, "OAuthException",
                                                                                       "whatsapp")
    assert "title" in error["error_data"]["details"] and error["fbtrace_id"]


def test_standin_refuses_template_components_given_as_a_dict(base):
    """components as a dict (the heyoo bug) is refused."""
    body = build_message(TO, Template("pengingat", "id", body_params=("Ani",)))
    body["template"]["components"] = body["template"]["components"][0]

    assert raw_send(base, body).json()["error"]["code"] == 100


def test_standin_refuses_eleven_rows(base):
    """Eleven rows over two sections break the 10-row limit."""
    body = build_message(TO, ListMessage("Pilih:", "Menu", (Section("A", tuple(Row(f"a{i}", "A") for i in range(5))),
                                                             Section("B", tuple(Row(f"b{i}", "B") for i in range(5))))))
    body["interactive"]["action"]["sections"][1]["rows"].append({"id": "b9", "title": "B"})

    assert raw_send(base, body).status_code == 400


def test_standin_refuses_an_unknown_media_id(base):
    """Sending an image by an id that was never uploaded is refused."""
    assert raw_send(base, build_message(TO, Image("999"))).json()["error"]["code"] == 100


def test_standin_refuses_a_wrong_token_with_401_and_code_190(base):
    """A wrong bearer token gets 401 and code 190."""
    resp = raw_send(base, build_message(TO, Text("Halo")), token="nope")

    assert (resp.status_code, resp.json()["error"]["code"]) == (401, 190)


def test_standin_refuses_another_phone_number_id(base):
    """Sends from a phone-number id the stand-in does not own are refused."""
    assert raw_send(base, build_message(TO, Text("Halo")), phone_id="999").status_code == 400


@pytest.mark.parametrize("data, mime", [(b"GIF89a" + b"\x00" * 10, "image/gif"),
                                        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024), "image/png"),
                                        (b"not a png", "image/png")])
def test_standin_refuses_uploads_that_are_not_small_png_or_jpeg(base, data, mime):
    """GIFs, PNGs over 5 MB and bytes that are not what they claim are refused."""
    resp = requests.post(f"{base}/v21.0/{PHONE_ID}/media", headers={"Authorization": f"Bearer {TOKEN}"},
                         data={"messaging_product": "whatsapp", "type": mime},
                         files={"file": ("x", data, mime)}, timeout=10)

    assert resp.status_code == 400 and resp.json()["error"]["code"] in (100, 131053)


def test_standin_cli_serves_on_the_given_port(tmp_path):
    """`python -m shared.adapters.local.graph_standin` serves the same contract on a chosen port."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "shared.adapters.local.graph_standin", "--port", str(port),
                             "--token", TOKEN, "--media-dir", str(tmp_path)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/_standin/health", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "stand-in did not start"
                time.sleep(0.1)

        messenger = WhatsAppCloudMessenger(f"http://127.0.0.1:{port}/v21.0", TOKEN, PHONE_ID)
        wamid = messenger.send(build_message(TO, Text("Halo")))

        assert recorded(f"http://127.0.0.1:{port}", to=TO)[0]["wamid"] == wamid
    finally:
        proc.terminate()
        proc.wait(10)
