"""DriveExporter: the SheetExporter port over the Drive API v3's files.export (google-api-python-client), for the
nightly backup's copy of each posyandu's Sheet as .xlsx.

The export is downloaded in CHUNK_BYTES ranges (MediaIoBaseDownload) straight into the sink, so memory holds one
chunk (Drive caps an export at 10 MB anyway). In production the backup's service account reads with google.auth's
default credentials (scope drive.readonly); each Sheet must be shared with it. The same code talks to the local
stand-in (shared/adapters/local/drive_standin.py) when api_url points at loopback, and then sends no credentials.
googleapiclient is imported on the first export only: it is heavy, and only the backup uses it.
"""
from __future__ import annotations

import json
from typing import Any

from shared.config import is_loopback
from shared.errors import AppError, PermanentError, TransientError
from shared.ports import Sink

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READ_SCOPE = "https://www.googleapis.com/auth/drive.readonly"
SERVICE_PATH = "/drive/v3"  # appended to api_url: client_options' api_endpoint replaces rootUrl and servicePath both
CHUNK_BYTES = 4 << 20
TIMEOUT_S = 60
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})  # Drive answers these with a 403
API_DISABLED_REASONS = frozenset({"accessNotConfigured", "SERVICE_DISABLED"})
FIXES = {
    400: "the request was refused (a Sheet that cannot be exported as xlsx?)",
    401: "the backup's credentials were refused; check its service account",
    403: "not shared with the backup's service account (share the Sheet with it as a viewer)",
    404: "not found or not shared with the backup's service account; check the posyandu's spreadsheet id",
}


class _CountingSink:
    """The sink as MediaIoBaseDownload's file: counts what went in, and tells the sink's own errors apart."""

    def __init__(self, sink: Sink):
        self.sink, self.size, self.failed = sink, 0, False

    def write(self, data: bytes) -> int:
        try:
            self.sink.write(data)
        except BaseException:
            self.failed = True
            raise
        self.size += len(data)
        return len(data)


class DriveExporter:
    """export_xlsx through Drive's files.export. api_url: another API root (the stand-in's http://127.0.0.1:port;
    one already ending in /drive/v3 is taken as it is), empty for Google. Not thread-safe (one httplib2
    connection): the backup exports one Sheet at a time."""

    def __init__(self, api_url: str = "", chunk_bytes: int = CHUNK_BYTES, retries: int = 2):
        """retries: next_chunk's own retries (exponential backoff) of a 429, 5xx or dropped connection."""
        self.api_url = api_url.rstrip("/")
        self.chunk_bytes = chunk_bytes
        self.retries = retries
        self._service: Any = None

    def __repr__(self) -> str:
        return f"DriveExporter({self.api_url!r})"

    def _files(self) -> Any:
        if self._service is None:
            import google.auth
            import google.auth.exceptions
            import google_auth_httplib2  # type: ignore[import-untyped]
            import httplib2  # type: ignore[import-untyped]
            from google.auth.credentials import AnonymousCredentials, Credentials
            from googleapiclient.discovery import build  # type: ignore[import-untyped]

            credentials: Credentials
            if self.api_url and is_loopback(self.api_url):
                credentials = AnonymousCredentials()
            else:
                try:
                    credentials, _ = google.auth.default(scopes=[READ_SCOPE])
                except google.auth.exceptions.DefaultCredentialsError as exc:
                    raise PermanentError(f"Drive export has no credentials ({type(exc).__name__}): run the backup as "
                                         "a service account (application default credentials)") from None
            http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=TIMEOUT_S))
            base = self.api_url if self.api_url.endswith(SERVICE_PATH) else self.api_url + SERVICE_PATH
            options = {"api_endpoint": base + "/"} if self.api_url else None
            # Static discovery (the document shipped with the library): building makes no request.
            self._service = build("drive", "v3", http=http, client_options=options, cache_discovery=False)
        return self._service.files()

    def export_xlsx(self, spreadsheet_id: str, sink: Sink) -> int:
        import google.auth.exceptions
        import httplib2
        from googleapiclient.errors import HttpError  # type: ignore[import-untyped]
        from googleapiclient.http import MediaIoBaseDownload  # type: ignore[import-untyped]

        out = _CountingSink(sink)
        try:
            request = self._files().export_media(fileId=spreadsheet_id, mimeType=XLSX_MIME)
            download = MediaIoBaseDownload(out, request, chunksize=self.chunk_bytes)
            done = False
            while not done:
                _, done = download.next_chunk(num_retries=self.retries)
        except AppError:
            raise
        except HttpError as exc:
            raise _refused(spreadsheet_id, exc.status_code, exc.content) from None
        except google.auth.exceptions.RefreshError as exc:
            if not getattr(exc, "retryable", False):
                raise PermanentError(f"Drive export of {spreadsheet_id}: the backup's credentials could not be "
                                     "refreshed; check its service account") from None
            raise TransientError(f"Drive export of {spreadsheet_id}: credentials could not be refreshed now") \
                from None
        except google.auth.exceptions.TransportError:
            raise TransientError(f"Drive export of {spreadsheet_id}: credentials could not be fetched now") \
                from None
        except google.auth.exceptions.GoogleAuthError as exc:  # e.g. a 401 to credentials that cannot refresh
            raise PermanentError(f"Drive export of {spreadsheet_id}: the backup's credentials were refused "
                                 f"({type(exc).__name__}); check its service account") from None
        except (httplib2.HttpLib2Error, OSError) as exc:
            if out.failed:  # the sink's own error (its store), not Google's: as it was raised
                raise
            # OSError covers ConnectionError, socket timeouts and TLS errors.
            raise TransientError(f"Drive did not answer the export of {spreadsheet_id} ({type(exc).__name__}); "
                                 "try again later") from exc
        return out.size


def _refused(spreadsheet_id: str, status: int, content: bytes) -> AppError:
    """The error for Drive's answer (Google's message is left out: it may quote the file's name)."""
    reasons = _reasons(content)
    if status == 403 and "exportSizeLimitExceeded" in reasons:
        return PermanentError(f"Drive export of {spreadsheet_id} refused: the Sheet is above Drive's 10 MB export "
                              "limit, so Drive will not export it until it is made smaller (the database backup "
                              "holds Tumbuh's rows either way)")
    if status == 403 and "fileNotExportable" in reasons:
        return PermanentError(f"Drive export of {spreadsheet_id} refused: it is not a Google Sheet (an uploaded "
                              "file?); Drive exports only Google's own formats")
    if status == 403 and reasons & API_DISABLED_REASONS:
        return PermanentError(f"Drive export of {spreadsheet_id} refused: the Google Drive API is not enabled in "
                              "the backup's project; enable it there")
    if status in (408, 429) or status >= 500 or (status == 403 and reasons & RATE_LIMIT_REASONS):
        return TransientError(f"Drive could not export {spreadsheet_id} now (HTTP {status}); try again later")
    fix = FIXES.get(status, "a refusal retrying will not mend")
    reason = f", {sorted(reasons)[0]}" if reasons else ""
    return PermanentError(f"Drive export of {spreadsheet_id} refused (HTTP {status}{reason}): {fix}")


def _reasons(content: bytes) -> set[str]:
    """The `reason` words of a Google error body (errors[] and details[]), empty when it is not one."""
    try:
        error = json.loads(content.decode("utf-8"))["error"]
        items = list(error.get("errors") or []) + list(error.get("details") or [])
        return {str(item["reason"]) for item in items if isinstance(item, dict) and item.get("reason")}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()
