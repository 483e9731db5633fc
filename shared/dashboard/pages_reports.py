"""Dashboard pages: reports (routes registered by web.create_app through its Kit).

- Posyandu (`/posyandu?bulan=YYYY-MM`): each posyandu in scope in one month (SKDN, the register's other letters, the
  ratios and the prevalence), and a 12-month trend of the whole area drawn as an inline SVG on the server.
- Ekspor (`/ekspor?bulan=YYYY-MM`): each posyandu in scope with two links for the month: the measurements as an
  e-PPGBM CSV (`/ekspor/<posyandu_id>/<YYYY-MM>.csv`) and the printable recap by age band
  (`/rekap/<posyandu_id>/<YYYY-MM>`). Both are audited.

Every number comes from the dashboard port read with g.scope: the trend is the per-month sum of the same
posyandu_months rows the table shows, its percentages recomputed from the summed counts (never an average of
percentages). A month in the URL that cannot be read, or that has not come yet, gets a kind 400 page.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import TYPE_CHECKING, Iterable

from flask import Flask, Response, abort, g, render_template, request

from shared.dashboard import messages
from shared.domain.dashboard import EPPGBM_HEADERS, MonthCounts, PosyanduMonth, percent
from shared.flows.messages import MONTHS
from shared.ports import Scope

if TYPE_CHECKING:  # web imports this module: the Kit's type only, for mypy
    from shared.dashboard.web import Kit

TREND_MONTHS = 12
FIRST_YEAR = 2000  # a month before this is not a posyandu month Tumbuh can hold
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits: \d would take any script's
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula
_COUNTS = tuple(f.name for f in fields(MonthCounts))

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "rep_posyandu_title": "Posyandu · {month}",
        "rep_month": "Bulan",
        "rep_month_show": "Tampilkan",
        "rep_month_prev": "‹ {month}",
        "rep_month_next": "{month} ›",
        "rep_none_in_scope": "Belum ada posyandu di wilayah Anda.",
        "rep_scroll_hint": "Geser tabel ke samping untuk melihat semua kolom.",
        "rep_col_posyandu": "Posyandu",
        "rep_total": "Jumlah",
        "rep_letter_s": "S",
        "rep_letter_k": "K",
        "rep_letter_d": "D",
        "rep_letter_n": "N",
        "rep_letter_t": "T",
        "rep_letter_o": "O",
        "rep_letter_b": "B",
        "rep_letter_2t": "2T",
        "rep_letter_bgm": "BGM",
        "rep_ds": "Partisipasi (D/S)",
        "rep_nd": "Naik (N/D)",
        "rep_ks": "Punya KMS (K/S)",
        "rep_ns": "Hasil (N/S)",
        "rep_stunting": "Stunting (pendek)",
        "rep_wasting": "Gizi kurang (wasting)",
        "rep_underweight": "BB kurang (underweight)",
        "rep_pct": "{value}%",
        "rep_of": "{top} dari {bottom}",
        "rep_no_value": "—",
        "rep_legend_title": "Arti huruf",
        "rep_legend_s": "S: semua balita umur 0–59 bulan yang terdaftar.",
        "rep_legend_k": "K: balita yang sudah punya catatan pertumbuhan (KMS).",
        "rep_legend_d": "D: balita yang ditimbang pada bulan itu.",
        "rep_legend_n": "N: ditimbang dan beratnya naik cukup.",
        "rep_legend_t": "T: ditimbang tetapi berat tidak naik cukup.",
        "rep_legend_o": "O: ditimbang, tetapi tidak ditimbang pada bulan sebelumnya.",
        "rep_legend_b": "B: baru pertama kali ditimbang.",
        "rep_legend_2t": "2T: dua kali berturut-turut tidak naik.",
        "rep_legend_bgm": "BGM: berat di bawah garis merah.",
        "rep_legend_prevalence": "Stunting, gizi kurang dan BB kurang dihitung dari anak yang diukur bulan itu; "
                                 "angka yang tidak wajar (perlu diukur ulang) tidak ikut dihitung. "
                                 "Tanda — berarti belum ada anak untuk dihitung.",
        "rep_trend_title": "12 bulan terakhir, semua posyandu Anda",
        "rep_trend_desc": "Partisipasi (D/S) dan stunting per bulan, dalam persen.",
        "rep_trend_table": "Lihat angka per bulan",
        "rep_export_title": "Ekspor · {month}",
        "rep_export_intro": "Untuk setiap posyandu: unduh hasil ukur bulan {month} sebagai CSV untuk e-PPGBM, atau "
                            "buka rekap bulanannya untuk dicetak.",
        "rep_export_weighed": "ditimbang: {count}",
        "rep_export_csv": "Unduh CSV (e-PPGBM)",
        "rep_export_recap": "Rekap bulanan (cetak)",
        "rep_export_note": "Kolom NIK dan nama orang tua kosong: Tumbuh tidak menyimpannya. Lengkapi di e-PPGBM.",
        "rep_recap_title": "Rekap bulanan penimbangan balita",
        "rep_recap_of": "Posyandu {posyandu}, {village} · {month}",
        "rep_recap_age": "Umur",
        "rep_recap_band": "{low}–{high} bulan",
        "rep_recap_letters": "Catatan penimbangan (semua umur)",
        "rep_recap_print": "Untuk mencetak, pilih Cetak di menu peramban.",
        "rep_recap_printed": "Dari Tumbuh, {date}.",
        "rep_back_export": "Kembali ke Ekspor",
        "error_bad_month": "Bulan itu tidak bisa dibaca. Bulan ditulis seperti 2026-11: tahun, tanda minus, lalu "
                           "bulan dengan dua angka.",
        "error_future_month": "Bulan itu belum tiba. Pilih bulan ini atau bulan sebelumnya, ditulis seperti "
                              "2026-11.",
    },
    "en": {
        "rep_posyandu_title": "Posyandu · {month}",
        "rep_month": "Month",
        "rep_month_show": "Show",
        "rep_month_prev": "‹ {month}",
        "rep_month_next": "{month} ›",
        "rep_none_in_scope": "There is no posyandu in your area yet.",
        "rep_scroll_hint": "Swipe the table sideways to see every column.",
        "rep_col_posyandu": "Posyandu",
        "rep_total": "Total",
        "rep_letter_s": "S",
        "rep_letter_k": "K",
        "rep_letter_d": "D",
        "rep_letter_n": "N",
        "rep_letter_t": "T",
        "rep_letter_o": "O",
        "rep_letter_b": "B",
        "rep_letter_2t": "2T",
        "rep_letter_bgm": "BGM",
        "rep_ds": "Participation (D/S)",
        "rep_nd": "Gained weight (N/D)",
        "rep_ks": "Has a growth card (K/S)",
        "rep_ns": "Result (N/S)",
        "rep_stunting": "Stunting (short)",
        "rep_wasting": "Wasting (thin)",
        "rep_underweight": "Underweight",
        "rep_pct": "{value}%",
        "rep_of": "{top} of {bottom}",
        "rep_no_value": "—",
        "rep_legend_title": "What the letters mean",
        "rep_legend_s": "S: every registered child aged 0–59 months.",
        "rep_legend_k": "K: children who already have a growth record (KMS).",
        "rep_legend_d": "D: children weighed in that month.",
        "rep_legend_n": "N: weighed, and the weight went up enough.",
        "rep_legend_t": "T: weighed, but the weight did not go up enough.",
        "rep_legend_o": "O: weighed, but not weighed the month before.",
        "rep_legend_b": "B: weighed for the first time.",
        "rep_legend_2t": "2T: not gained twice in a row.",
        "rep_legend_bgm": "BGM: weight below the red line.",
        "rep_legend_prevalence": "Stunting, wasting and underweight count the children measured that month; values "
                                 "that look implausible (to be measured again) are left out. "
                                 "A — means there is no child to count yet.",
        "rep_trend_title": "The last 12 months, all your posyandu",
        "rep_trend_desc": "Participation (D/S) and stunting by month, in percent.",
        "rep_trend_table": "See the figures by month",
        "rep_export_title": "Export · {month}",
        "rep_export_intro": "For each posyandu: download the measurements of {month} as a CSV for e-PPGBM, or open "
                            "its monthly recap to print.",
        "rep_export_weighed": "weighed: {count}",
        "rep_export_csv": "Download CSV (e-PPGBM)",
        "rep_export_recap": "Monthly recap (print)",
        "rep_export_note": "The NIK and parent's name columns are empty: Tumbuh does not keep them. Fill them in "
                           "e-PPGBM.",
        "rep_recap_title": "Monthly weighing recap",
        "rep_recap_of": "Posyandu {posyandu}, {village} · {month}",
        "rep_recap_age": "Age",
        "rep_recap_band": "{low}–{high} months",
        "rep_recap_letters": "Weighing notes (every age)",
        "rep_recap_print": "To print, choose Print in the browser's menu.",
        "rep_recap_printed": "From Tumbuh, {date}.",
        "rep_back_export": "Back to Export",
        "error_bad_month": "That month could not be read. Write the month like 2026-11: the year, a dash, then the "
                           "month in two digits.",
        "error_future_month": "That month has not come yet. Choose this month or an earlier one, written like "
                              "2026-11.",
    },
}
messages.extend(WORDS)


def parse_month(text: str | None) -> date | None:
    """The first day of a month written YYYY-MM (from FIRST_YEAR on); None when it cannot be read."""
    found = _MONTH.fullmatch((text or "").strip())
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    return date(year, month, 1) if year >= FIRST_YEAR and 1 <= month <= 12 else None


def month_text(month: date) -> str:
    """A month as the URLs write it: YYYY-MM."""
    return f"{month.year:04d}-{month.month:02d}"


def shift_month(month: date, by: int) -> date:
    """The first day of the month `by` months after (before, when negative) the one `month` falls in."""
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


def months_to(last: date, count: int = TREND_MONTHS) -> list[date]:
    """The first days of `count` months ending with the one `last` falls in, oldest first."""
    return [shift_month(last, by) for by in range(1 - count, 1)]


def month_name(month: date, lang: str, short: bool = False) -> str:
    """"November 2026", or "Nov" (short); in the person's language."""
    name = MONTHS.get(lang, MONTHS["id"])[month.month - 1]
    return name[:3] if short else f"{name} {month.year}"


def summed(rows: Iterable[MonthCounts]) -> MonthCounts:
    """The counts of several posyandu (or months) added up; their ratios are then those of the sums."""
    totals = dict.fromkeys(_COUNTS, 0)
    for row in rows:
        for name in _COUNTS:
            totals[name] += getattr(row, name)
    return MonthCounts(**totals)


def area_trend(rows: list[PosyanduMonth], months: list[date]) -> list[tuple[date, MonthCounts]]:
    """Each month's counts of the whole area: the sum over its posyandu (zeros for a month without rows)."""
    return [(m, summed(r for r in rows if r.month == m)) for m in months]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    month: date
    value: float


@dataclass(frozen=True)
class Line:
    """One series of the chart: its points (months without a value have none) and the polylines joining them,
    broken where a month has no value."""

    key: str  # its CSS class and catalogue key
    colour: str  # the SVG stroke and fill (presentation attributes; CSP allows no style attribute)
    dashed: bool
    points: list[Point]
    segments: list[str]  # each a polyline's `points` attribute


@dataclass(frozen=True)
class Chart:
    """A small line chart in percent, laid out for an SVG viewBox of width x height."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    ticks: list[tuple[float, int]]  # (y, percent) of the horizontal grid lines
    labels: list[tuple[float, date]]  # (x, month) under the axis
    lines: list[Line]


def line_chart(months: list[date], series: list[tuple[str, str, bool, list[float | None]]],
               width: int = 320, height: int = 160) -> Chart:
    """Lay out percent series (key, colour, dashed, one value or None per month) over the months: y from 0 to
    100 %, or higher when a value is (D/S can pass 100 % when children are weighed outside the register's ages)."""
    left, right, top, bottom = 30, width - 14, 10, height - 24  # room for the axis's words
    highest = max([v for *_, values in series for v in values if v is not None] + [100.0])
    scale = 25 * -(-highest // 25)  # up to the next multiple of 25
    step = (right - left) / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(value: float) -> float:
        return round(bottom - value * (bottom - top) / scale, 1)

    lines = []
    for key, colour, dashed, values in series:
        points = [Point(x(i), y(v), months[i], v) for i, v in enumerate(values) if v is not None]
        segments: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                segments.append([])  # a month without a value ends the line drawn so far
            else:
                segments[-1].append(f"{x(i)},{y(v)}")
        lines.append(Line(key, colour, dashed, points, [" ".join(s) for s in segments if len(s) > 1]))
    ticks = [(y(p), p) for p in range(0, int(scale) + 1, 25)]
    return Chart(width, height, left, right, top, bottom, ticks, [(x(i), m) for i, m in enumerate(months)], lines)


def safe_cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run: one starting like a formula gets a leading apostrophe (OWASP's CSV
    injection advice); names come from families and kader."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def eppgbm_csv(rows: list[dict[str, str]]) -> bytes:
    """The export's file: the e-PPGBM header row then one row per measurement, in EPPGBM_HEADERS order, comma
    separated (a value with a decimal comma is quoted), CRLF line ends, UTF-8 with a BOM so Excel reads it as
    UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EPPGBM_HEADERS)
    for row in rows:
        writer.writerow([safe_cell(row.get(header, "")) for header in EPPGBM_HEADERS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def slug(name: str, fallback: str) -> str:
    """A file name's part from a posyandu's name: lower-case ASCII letters and digits joined by dashes."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:40].strip("-") or fallback


def narrowed(scope: Scope, posyandu_id: int) -> Scope | None:
    """The person's scope narrowed to one of their posyandu (never widened); None when it is not theirs."""
    return replace(scope, posyandu_ids=(posyandu_id,)) if scope.covers(posyandu_id) else None


def register(app: Flask, kit: Kit) -> None:
    """Add this module's routes to the app."""

    def chosen_month(text: str | None) -> date | tuple[str, int]:
        """The month asked for (this month when none is), or the error page for one that cannot be shown."""
        current = kit.today().replace(day=1)
        if text is None or not text.strip():
            return current
        month = parse_month(text[:20])
        if month is None:
            return render_template("error.html", reason="bad_month"), 400
        if month > current:
            return render_template("error.html", reason="future_month"), 400
        return month

    def helpers(month: date) -> dict:
        """The month shown, and what the report templates write months and percentages with."""
        return {"month": month, "current": kit.today().replace(day=1), "month_text": month_text,
                "month_name": month_name, "percent": percent}

    @app.get("/posyandu")
    @kit.signed_in
    def posyandu_page():
        month = chosen_month(request.args.get("bulan"))
        if not isinstance(month, date):
            return month
        months = months_to(month)
        rows = kit.context.ports().reads.posyandu_months(g.scope, months)  # one read: the table's month and trend
        table = [r for r in rows if r.month == month]
        trend = area_trend(rows, months)
        chart = line_chart(months, [("ds", "#1b6b45", False, [c.d_s for _, c in trend]),
                                    ("stunting", "#b3261e", True, [c.stunting for _, c in trend])])
        return render_template("posyandu.html", table=table, total=summed(table), trend=trend, chart=chart,
                               prev=shift_month(month, -1) if month.year > FIRST_YEAR or month.month > 1 else None,
                               next=shift_month(month, 1), **helpers(month))

    @app.get("/ekspor")
    @kit.signed_in
    def export_page():
        month = chosen_month(request.args.get("bulan"))
        if not isinstance(month, date):
            return month
        rows = kit.context.ports().reads.posyandu_months(g.scope, [month])
        return render_template("export.html", rows=rows, **helpers(month))

    @app.get("/ekspor/<int:posyandu_id>/<bulan>.csv")
    @kit.signed_in
    def export_csv(posyandu_id: int, bulan: str):
        month = chosen_month(bulan)
        if not isinstance(month, date):
            return month
        one = narrowed(g.scope, posyandu_id)
        reads = kit.context.ports().reads
        rows = reads.export_month(g.scope, posyandu_id, month) if one else None
        if one is None or rows is None:
            abort(404)
        [posyandu] = reads.posyandu_months(one, [month])  # its name, for the file's
        reads.audit_view(g.staff.id, "export.csv", "posyandu", posyandu_id, {"month": month_text(month)})
        filename = f"tumbuh-{slug(posyandu.posyandu, f'posyandu-{posyandu_id}')}-{month_text(month)}.csv"
        return Response(eppgbm_csv(rows), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})

    @app.get("/rekap/<int:posyandu_id>/<bulan>")
    @kit.signed_in
    def recap_page(posyandu_id: int, bulan: str):
        month = chosen_month(bulan)
        if not isinstance(month, date):
            return month
        reads = kit.context.ports().reads
        recap = reads.recap_month(g.scope, posyandu_id, month) if g.scope.covers(posyandu_id) else None
        if recap is None:
            abort(404)
        reads.audit_view(g.staff.id, "export.recap", "posyandu", posyandu_id, {"month": month_text(month)})
        return render_template("recap.html", recap=recap, on=kit.today(), **helpers(month))
