"""A local stand-in for the Drive API v3's files.export over real HTTP, for `make run`, benchmarks and tests.

It serves `{folder}/{fileId}.xlsx` as the export of the Google Sheet `fileId` and honours the documented contract:
xlsx is the only format (another mimeType is a 400 badRequest), an unknown id a 404 notFound, an export above 10 MB
a 403 exportSizeLimitExceeded, each in Google's error shape. A Range header is answered with 206 and that byte
range, as Google's frontends answer media downloads, so a chunked download is exercised. No credentials are
checked. Never deployed; production talks to Google.
"""
from __future__ import annotations

import argparse
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT_BYTES = 10 * 1024 * 1024  # files.export: "the exported content is limited to 10 MB"
EXPORT_PATH = re.compile(r"^/drive/v3/files/([^/]+)/export$")
FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")  # Drive ids (and the local workbook names) never hold a separator
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
PIECE_BYTES = 1 << 20


class Refused(Exception):
    """A request Drive would refuse: becomes Google's JSON error answer."""

    def __init__(self, code: int, reason: str, message: str, location: str = ""):
        super().__init__(message)
        self.code, self.reason, self.message, self.location = code, reason, message, location

    def body(self) -> bytes:
        """Google's error shape: {"error": {"code", "message", "errors": [{"message", "domain", "reason", ...}]}}."""
        item = {"message": self.message, "domain": "global", "reason": self.reason}
        if self.location:
            item.update(location=self.location, locationType="parameter")
        return json.dumps({"error": {"code": self.code, "message": self.message, "errors": [item]}}).encode()


def _export(folder: Path, path: str, query: str) -> Path:
    """The file a files.export request asks for, or Refused as Drive answers."""
    match = EXPORT_PATH.match(path)
    if not match:
        raise Refused(404, "notFound", f"Not Found: {path}")
    file_id = unquote(match.group(1))
    target = folder / f"{file_id}.xlsx"
    if not FILE_ID.match(file_id) or not target.is_file():
        raise Refused(404, "notFound", f"File not found: {file_id}.", "fileId")
    mime = parse_qs(query).get("mimeType", [""])[0]
    if not mime:
        raise Refused(400, "required", "Required parameter: mimeType", "mimeType")
    if mime != XLSX_MIME:
        raise Refused(400, "badRequest", "The requested conversion is not supported.", "convertTo")
    if target.stat().st_size > EXPORT_LIMIT_BYTES:
        raise Refused(403, "exportSizeLimitExceeded", "This file is too large to be exported.")
    return target


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a single `bytes=a-b` range, None to send the whole file; Refused(416) past the end."""
    match = RANGE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None  # a header this stand-in does not understand is ignored, as HTTP allows
    first_s, last_s = match.groups()
    if first_s:
        first, last = int(first_s), min(int(last_s) if last_s else size - 1, size - 1)
    else:  # bytes=-n: the last n bytes
        first, last = max(size - int(last_s), 0), size - 1
    if first >= size or first > last:
        raise Refused(416, "rangeNotSatisfiable", "Request range not satisfiable")
    return first, last


def _handler(folder: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a chunked download reuses the connection

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            try:
                target = _export(folder, parts.path, parts.query)
            except Refused as exc:
                self._refuse(exc)
                return
            size = target.stat().st_size
            try:
                span = _byte_range(self.headers.get("Range"), size)
            except Refused as exc:
                self._refuse(exc, size)
                return
            first, last = span if span else (0, size - 1)
            self.send_response(206 if span else 200)
            self.send_header("Content-Type", XLSX_MIME)
            self.send_header("Content-Length", str(last - first + 1))
            if span:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.end_headers()
            with open(target, "rb") as f:
                f.seek(first)
                left = last - first + 1
                while left > 0:
                    piece = f.read(min(PIECE_BYTES, left))
                    if not piece:
                        break  # the file shrank meanwhile: the client sees a short answer
                    self.wfile.write(piece)
                    left -= len(piece)

        def _refuse(self, exc: Refused, size: int | None = None) -> None:
            body = exc.body()
            self.send_response(exc.code)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            if size is not None:
                self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
            """Quiet: tests and `make run` read the caller's logs, not one line per request."""

    return Handler


def serve(folder: str | Path, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve `folder` in a daemon thread; returns the server (shutdown() and server_close() to stop) and its root
    URL (http://host:port, what DriveExporter takes)."""
    server = ThreadingHTTPServer((host, port), _handler(Path(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), name="drive-standin", daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}"


def main(argv: list[str] | None = None) -> None:
    """Serve a folder of .xlsx files until interrupted."""
    parser = argparse.ArgumentParser(description="Local stand-in for the Drive API v3 files.export (xlsx).")
    parser.add_argument("folder", help="where <spreadsheet id>.xlsx files are (the local workbooks' folder)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), _handler(Path(args.folder)))
    server.daemon_threads = True
    print(f"Drive export stand-in on http://{args.host}:{server.server_address[1]} serving {args.folder}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
