"""Log masking end to end: WhatsAppCloudMessenger over real HTTP against a Graph API answering with a hostile error."""
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.adapters.whatsapp_cloud import WhatsAppCloudMessenger
from shared.whatsapp.errors import WhatsAppPermanent
from shared.whatsapp.outgoing import Text
from shared.whatsapp.payloads import build_message
from tests.unit.test_logs import HOSTILE_GRAPH_ERROR, LEAKS

pytestmark = pytest.mark.integration

TO = "6281234567890"


class _HostileGraph(BaseHTTPRequestHandler):
    """Answers every POST with HTTP 400 and an error body that quotes the recipient back."""

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(HOSTILE_GRAPH_ERROR).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # http.server writes each request to stderr; nothing to see here
        pass


@pytest.fixture
def hostile_graph():
    """A tiny Graph API on loopback that refuses every send with the hostile body; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileGraph)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v21.0"
    server.shutdown()
    server.server_close()


def test_a_refused_send_logs_codes_but_no_name_number_or_date(hostile_graph, log_stream):
    """The messenger's own line and the caller's traceback keep Meta's codes and trace id and drop every name,
    number and date Meta quoted back."""
    messenger = WhatsAppCloudMessenger(hostile_graph, "test-graph-token", "100000000000001", timeout_s=5)

    with pytest.raises(WhatsAppPermanent) as info:
        try:
            messenger.send(build_message(TO, Text("Halo Siti Aminah, lahir 5 April 2023")))
        except WhatsAppPermanent:
            logging.getLogger("caller").exception("send failed")  # what an entry point does with a bug
            raise
    messenger.close()

    out = log_stream.getvalue()
    for leak in LEAKS:
        assert leak not in out
    adapter_line, caller_line = (json.loads(line) for line in out.splitlines()[-2:])
    ctx = adapter_line["context"]
    assert (ctx["code"], ctx["subcode"], ctx["meta_type"], ctx["http_status"], ctx["fbtrace_id"]) == (
        131009, 2494010, "OAuthException", 400, "AZf3xY_9Qk2-LbT")
    assert "WhatsAppPermanent: <withheld" in caller_line["stack_trace"]
    assert "Siti Aminah" in str(info.value)  # the caller still gets Meta's words; only the log is masked
