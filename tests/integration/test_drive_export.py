"""The nightly backup's Sheet export: DriveExporter through google-api-python-client against the Drive stand-in
(and small servers answering as Google does when it fails) over loopback HTTP, and the local workbooks' export.
No PostgreSQL: these run anywhere."""
import io
import json
import math
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import pytest

from shared.adapters.drive_export import XLSX_MIME, DriveExporter
from shared.adapters.local import drive_standin
from shared.adapters.sheet_workbook import WorkbookSheets
from shared.errors import PermanentError, TransientError

SID = "1AbC-posyandu_melati"


class BytesSink:
    """A Sink keeping what it is given, piece by piece."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.writes = 0

    def write(self, data: bytes) -> int:
        self.writes += 1
        return self.buffer.write(data)


class BrokenSink:
    """A Sink whose store fails (its own error must come back as it was, not as Drive's)."""

    def __init__(self, error: BaseException):
        self.error = error

    def write(self, data: bytes) -> int:
        raise self.error


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "sheets"


@pytest.fixture
def standin(folder):
    folder.mkdir()
    server, url = drive_standin.serve(folder)
    yield url
    server.shutdown()
    server.server_close()


def real_workbook(path, rows=200) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pengukuran"
    ws.append(["id", "tanggal", "berat_kg", "tinggi_cm"])
    for i in range(rows):
        ws.append([f"m{i}", f"2025-03-{i % 28 + 1:02d}", 7 + i % 50 / 10, 70 + i % 30])
    wb.save(path)
    return path.read_bytes()


@pytest.fixture
def google_fails():
    """A server answering every request with the status and Google error reason the test sets, after `ok_after`
    failures an xlsx body; counts the requests."""
    state = {"status": 503, "reason": "backendError", "ok_after": None, "requests": 0, "body": b"PK-xlsx-bytes"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            state["requests"] += 1
            if state["ok_after"] is not None and state["requests"] > state["ok_after"]:
                status, body, kind = 200, state["body"], XLSX_MIME
            else:
                status, kind = state["status"], "application/json"
                body = json.dumps({"error": {"code": status, "message": "x", "errors": [
                    {"message": "x", "domain": "global", "reason": state["reason"]}]}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


# --- DriveExporter against the stand-in ---------------------------------------------------------------------------

def test_a_sheet_is_exported_byte_for_byte_in_several_chunks(standin, folder):
    original = real_workbook(folder / f"{SID}.xlsx")
    sink = BytesSink()

    size = DriveExporter(standin, chunk_bytes=1024).export_xlsx(SID, sink)

    assert size == len(original)
    assert sink.buffer.getvalue() == original
    assert sink.writes == math.ceil(len(original) / 1024) >= 3  # one range request per chunk, streamed
    assert openpyxl.load_workbook(io.BytesIO(sink.buffer.getvalue()))["Pengukuran"]["A3"].value == "m1"


def test_the_exporter_is_reused_across_sheets(standin, folder):
    first = real_workbook(folder / "sheet-a.xlsx", rows=5)
    second = real_workbook(folder / "sheet-b.xlsx", rows=50)
    exporter = DriveExporter(standin + "/drive/v3")  # the service path given too: not doubled
    sinks = BytesSink(), BytesSink()

    sizes = exporter.export_xlsx("sheet-a", sinks[0]), exporter.export_xlsx("sheet-b", sinks[1])

    assert sizes == (len(first), len(second))
    assert [s.buffer.getvalue() for s in sinks] == [first, second]
    assert [s.writes for s in sinks] == [1, 1]  # under the default chunk: one request each


def test_a_sheet_above_10_mb_is_refused_for_good_naming_the_limit(standin, folder):
    (folder / f"{SID}.xlsx").write_bytes(os.urandom(12 * 1024 * 1024))
    sink = BytesSink()

    with pytest.raises(PermanentError, match="10 MB") as raised:
        DriveExporter(standin).export_xlsx(SID, sink)

    assert not isinstance(raised.value, TransientError)
    assert sink.writes == 0


def test_an_unknown_or_unshared_sheet_is_refused_for_good(standin):
    with pytest.raises(PermanentError, match="HTTP 404.*not shared with the backup's service account"):
        DriveExporter(standin).export_xlsx("gone-sheet", BytesSink())


# --- Google failing ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, reason, error, said", [
    (503, "backendError", TransientError, "HTTP 503"),
    (500, "internalError", TransientError, "HTTP 500"),
    (429, "rateLimitExceeded", TransientError, "HTTP 429"),
    (403, "userRateLimitExceeded", TransientError, "HTTP 403"),  # Drive's rate limits come as a 403
    (403, "insufficientFilePermissions", PermanentError, "HTTP 403.*share the Sheet"),
    (403, "fileNotExportable", PermanentError, "not a Google Sheet"),
    (403, "accessNotConfigured", PermanentError, "Drive API is not enabled"),
    (401, "authError", PermanentError, "credentials were refused"),  # anonymous: nothing to refresh and retry
    (400, "badRequest", PermanentError, "HTTP 400"),
])
def test_what_google_answers_decides_whether_to_try_again(google_fails, status, reason, error, said):
    google_fails.update(status=status, reason=reason)

    with pytest.raises(error, match=said):
        DriveExporter(google_fails["url"], retries=0).export_xlsx(SID, BytesSink())

    assert google_fails["requests"] == 1


def test_a_503_is_retried_before_giving_up(google_fails):
    google_fails.update(ok_after=1)
    sink = BytesSink()

    size = DriveExporter(google_fails["url"], retries=1).export_xlsx(SID, sink)

    assert (size, sink.buffer.getvalue(), google_fails["requests"]) == (13, b"PK-xlsx-bytes", 2)


def test_a_closed_port_is_transient():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there

    with pytest.raises(TransientError, match="did not answer"):
        DriveExporter(f"http://127.0.0.1:{port}", retries=0).export_xlsx(SID, BytesSink())


@pytest.mark.parametrize("error", [OSError("disk full"), PermanentError("backup store refused")])
def test_the_sinks_own_failure_comes_back_as_it_was(standin, folder, error):
    real_workbook(folder / f"{SID}.xlsx")

    with pytest.raises(type(error)) as raised:
        DriveExporter(standin).export_xlsx(SID, BrokenSink(error))

    assert raised.value is error


def test_importing_the_adapter_leaves_the_google_client_unloaded():
    code = ("import sys, shared.adapters.drive_export; "
            "loaded = sorted(m for m in sys.modules if m.startswith(('googleapiclient', 'httplib2', 'google.auth'))); "
            "sys.exit(str(loaded) if loaded else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert (done.returncode, done.stderr) == (0, "")


# --- The stand-in's contract, read without the client ---------------------------------------------------------------

def get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_the_standin_answers_as_drive_documents(standin, folder):
    original = real_workbook(folder / f"{SID}.xlsx", rows=5)
    export = f"{standin}/drive/v3/files/{SID}/export?mimeType="

    status, headers, body = get(export + urllib.request.quote(XLSX_MIME, safe=""))
    assert (status, headers["Content-Type"], body) == (200, XLSX_MIME, original)

    status, headers, body = get(export + urllib.request.quote(XLSX_MIME, safe=""), {"Range": "bytes=10-19"})
    assert (status, headers["Content-Range"], body) == (206, f"bytes 10-19/{len(original)}", original[10:20])

    status, _, body = get(export + "application/pdf")
    error = json.loads(body)["error"]
    assert (status, error["code"], error["errors"][0]["reason"]) == (400, 400, "badRequest")

    status, _, body = get(f"{standin}/drive/v3/files/nope/export?mimeType=" + urllib.request.quote(XLSX_MIME))
    assert (status, json.loads(body)["error"]["errors"][0]["reason"]) == (404, "notFound")


def test_the_standin_serves_exactly_10_mb_and_refuses_a_byte_more(standin, folder):
    limit = 10 * 1024 * 1024
    (folder / "at-limit.xlsx").write_bytes(b"x" * limit)
    (folder / "over-limit.xlsx").write_bytes(b"x" * (limit + 1))
    query = "/export?mimeType=" + urllib.request.quote(XLSX_MIME, safe="")

    at_limit = get(f"{standin}/drive/v3/files/at-limit{query}", {"Range": "bytes=0-0"})
    status, _, body = get(f"{standin}/drive/v3/files/over-limit{query}")

    assert at_limit[0] == 206
    assert (status, json.loads(body)["error"]["errors"][0]["reason"]) == (403, "exportSizeLimitExceeded")


# --- WorkbookSheets.export_xlsx --------------------------------------------------------------------------------------

def test_a_local_workbook_is_exported_as_its_file(tmp_path):
    original = real_workbook(tmp_path / f"{SID}.xlsx")
    sink = BytesSink()

    assert WorkbookSheets(tmp_path).export_xlsx(SID, sink) == len(original)
    assert sink.buffer.getvalue() == original


def test_a_large_local_workbook_is_streamed_in_1_mib_pieces(tmp_path):
    original = os.urandom(2 * 1024 * 1024 + 5)
    (tmp_path / f"{SID}.xlsx").write_bytes(original)
    sink = BytesSink()

    assert WorkbookSheets(tmp_path).export_xlsx(SID, sink) == len(original)
    assert (sink.buffer.getvalue() == original, sink.writes) == (True, 3)


@pytest.mark.parametrize("sid", ["missing-sheet", "../escape"])
def test_a_missing_local_workbook_is_refused_for_good(tmp_path, sid):
    (tmp_path / "escape.xlsx").write_bytes(b"PK")

    with pytest.raises(PermanentError, match="bad_spreadsheet"):
        WorkbookSheets(tmp_path / "sheets").export_xlsx(sid, BytesSink())
