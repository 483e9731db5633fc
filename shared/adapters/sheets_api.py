"""SheetsApiReader: the reconcile's read of a posyandu's Sheet through the Google Sheets API (gspread), not the
Apps Script web app, so it works while Apps Script is over its quota or down, which is also when edit pushes fail.

One values.get per tab (header row included, checked as the bridge checks it), UNFORMATTED_VALUE with dates as
serial numbers: a date column's number becomes an ISO date, anything typed as text stays text for the parsers.
The same code reads a local stand-in (apps_script/test/webapp_standin.js serves values.get on its spreadsheets):
SHEETS_API_URL points it there, and it then sends no credentials. In production the scheduler's service account
reads with google.auth's default credentials (scope spreadsheets.readonly); setup shares each spreadsheet with it.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import requests

from shared.errors import PermanentError, TransientError
from shared.sheet import layout
from shared.sheet.layout import column_letter

GOOGLE_SHEETS_API = "https://sheets.googleapis.com"
READ_SCOPE = "https://www.googleapis.com/auth/spreadsheets.readonly"
SERIAL_EPOCH = date(1899, 12, 30)  # day 0 of spreadsheet serial dates (Sheets and LibreOffice alike)
# The layout's date columns, by the header the API sees: their serial numbers become ISO dates.
DATE_HEADERS = frozenset(c.header for data in (layout.MEASUREMENT_DATA, layout.CHILD_DATA, layout.REMINDER_DATA)
                         for c in data if c.key in ("birth_date", "measured_on", "due_on"))
TIMEOUT_S = 30.0


class SheetsApiRefused(PermanentError):
    """The API refused the read for a reason retrying cannot mend (`reason`, the bridge's words)."""

    def __init__(self, reason: str):
        super().__init__(f"Sheets API refused the read: {reason}")
        self.reason = reason


class SheetsApiTransient(TransientError):
    """The API could not answer now (quota, 5xx, no answer)."""


class _Rebased(requests.Session):
    """A session that sends the Sheets API's requests to another base URL (a local stand-in)."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if isinstance(url, str) and url.startswith(GOOGLE_SHEETS_API):
            url = self.base_url + url[len(GOOGLE_SHEETS_API):]
        return super().request(method, url, *args, **kwargs)


class SheetsApiReader:
    """read_rows over the Sheets API, answering as the bridge's read_rows does."""

    def __init__(self, base_url: str = GOOGLE_SHEETS_API):
        import google.auth  # imported here: only the scheduler's reconcile reads through it
        import gspread
        from google.auth.credentials import AnonymousCredentials
        from google.auth.transport.requests import AuthorizedSession

        if base_url.rstrip("/") == GOOGLE_SHEETS_API:
            credentials, _ = google.auth.default(scopes=[READ_SCOPE])
            session: requests.Session = AuthorizedSession(credentials)
        else:  # a local stand-in takes no credentials
            credentials, session = AnonymousCredentials(), _Rebased(base_url)
        self._http = gspread.http_client.HTTPClient(credentials, session=session)
        self._http.set_timeout(TIMEOUT_S)
        self._api_error = gspread.exceptions.APIError

    def __repr__(self) -> str:
        return "SheetsApiReader()"

    def read_rows(self, spreadsheet_id: str, tab: str, columns: list[str]) -> list[dict]:
        last = column_letter(len(columns))
        quoted = "'" + tab.replace("'", "''") + "'"
        try:
            answer: Any = self._http.values_get(spreadsheet_id, f"{quoted}!A1:{last}", params={
                "valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                "majorDimension": "ROWS"})
        except self._api_error as exc:
            raise _refusal(exc.response.status_code) from None
        except requests.RequestException as exc:
            raise SheetsApiTransient(f"Sheets API unreachable: {type(exc).__name__}") from None
        grid = answer.get("values") or []
        header = [str(v) for v in (grid[0] if grid else [])] + [""] * len(columns)
        if header[:len(columns)] != [str(c) for c in columns]:
            raise SheetsApiRefused("bad_layout")
        dates = {i for i, c in enumerate(columns) if c in DATE_HEADERS}
        out = []
        for n, cells in enumerate(grid[1:], start=2):
            values = [_cell(cells[i] if i < len(cells) else "", i in dates) for i in range(len(columns))]
            if any(v != "" for v in values):
                out.append({"row": n, "values": values})
        return out


def _cell(value, is_date: bool):
    if is_date and isinstance(value, (int, float)) and not isinstance(value, bool):
        return (SERIAL_EPOCH + timedelta(days=int(value))).isoformat()
    return value


def _refusal(status: int) -> Exception:
    if status == 429 or status >= 500:
        return SheetsApiTransient(f"Sheets API answered {status}")
    if status in (403, 404):
        return SheetsApiRefused("bad_spreadsheet")  # not shared with the reader, or gone
    return SheetsApiRefused("bad_unknown_tab" if status == 400 else f"http_{status}")
