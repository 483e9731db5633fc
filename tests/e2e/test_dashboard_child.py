"""A child's page end to end through functions/dashboard: the chat's growth charts as PNG within one's area, a value
waiting for a re-measure labelled as such, each measurement's Permenkes categories, and the messages sent in words,
in Indonesian and in English."""
from __future__ import annotations

import io
import json
import os
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from shared.config import DEFAULT_TZ
from shared.domain.model import Child, Measurement
from shared.flows.messages import fmt
from shared.services.assessing import Entry, evaluate
from tests.e2e.test_dashboard import BASE, OTHER_KADER, _form_token, sign_in, two_villages

pytestmark = pytest.mark.e2e

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# (days ago, kg, cm lying): normal, then stunted twice, then a weight jump the chat asks to measure again.
VISITS = ((90, 7.6, 68.0), (60, 7.8, 69.0), (30, 8.0, 70.0), (3, 13.5, 70.5))
MESSAGE_AT = datetime.combine(date.today() - timedelta(days=2), time(23, 30), timezone.utc)


def _store(db, child_id: int, sex: str, born: date, visits) -> list[Measurement]:
    """Measure the child as the chat does (services.assessing.evaluate) and store each row with its verdict."""
    child, history = Child(child_id, "x", sex, born), []
    for n, (days_ago, kg, cm) in enumerate(visits):
        entry = Entry(date.today() - timedelta(days=days_ago), kg, cm, "l")
        ev = evaluate(child, entry, list(reversed(history)), date.today())
        db.run("INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source, source_ref, "
               "flags, review, assessment) VALUES (%s, %s, %s, %s, 'l', 'whatsapp', %s, %s, %s, %s::jsonb)",
               (child_id, entry.measured_on, kg, cm, f"w:{child_id}:{n}", list(ev.flags), ev.review,
                json.dumps(ev.summary)))
        history.append(Measurement(child_id, entry.measured_on, kg, cm, "l", flags=ev.flags, assessment=ev.summary,
                                   review=ev.review))
    return history


@pytest.fixture
def family(migrated):
    """Ani (measured four times, the last waiting for a re-measure) and Citra (never measured) in the kader's
    posyandu, Budi in another village's; messages of four kinds, one of them unknown to the dashboard."""
    mine, theirs, guardian = two_villages(migrated)
    born = date.today() - timedelta(days=430)
    ids = {}
    for name, pid in (("Ani", mine), ("Budi", theirs), ("Citra", mine)):
        ids[name] = migrated.run("INSERT INTO children (guardian_id, name, sex, birth_date, posyandu_id) VALUES "
                                 "(%s, %s, 'F', %s, %s) RETURNING id", (guardian, name, born, pid))[0][0]
    stored = _store(migrated, ids["Ani"], "F", born, VISITS)
    _store(migrated, ids["Budi"], "F", born, VISITS[:2])
    for n, (kind, status) in enumerate((("result", "read"), ("reminder", "delivered"), ("chart", "failed"),
                                        ("survey_2031", "sent"))):
        migrated.run("INSERT INTO outbound_messages (wamid, guardian_id, kind, status, sent_at) VALUES "
                     "(%s, %s, %s, %s, %s)", (f"wamid.out{n}", guardian, kind, status, MESSAGE_AT))
    assert [m.review for m in stored] == [None, None, None, "remeasure"] and stored[-1].flags
    return ids


def _in_english(client, path: str) -> None:
    page = client.get(path, base_url=BASE)
    switched = client.post("/bahasa", data={"bahasa": "en", "kembali": path, "csrf": _form_token(page.text)},
                           base_url=BASE)
    assert switched.status_code == 302


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_charts_are_the_chats_pictures_in_scope_only(function_client, graph, family, migrated):
    from PIL import Image

    client = function_client("dashboard", "dashboard")
    sign_in(client, graph)

    charts = {kind: client.get(f"/anak/{family['Ani']}/grafik/{kind}.png", base_url=BASE)
              for kind in ("lfa", "wfa", "wfl")}
    theirs = client.get(f"/anak/{family['Budi']}/grafik/wfa.png", base_url=BASE)
    unknown = client.get(f"/anak/{family['Ani']}/grafik/bmi.png", base_url=BASE)
    nothing_yet = client.get(f"/anak/{family['Citra']}/grafik/wfa.png", base_url=BASE)

    for response in charts.values():
        assert response.status_code == 200 and response.data.startswith(PNG_MAGIC)
        assert response.headers["Content-Type"] == "image/png" and response.headers["Cache-Control"] == "no-store"
        assert Image.open(io.BytesIO(response.data)).size == (1080, 1350)  # the chat's picture
    assert len({r.data for r in charts.values()}) == 3
    assert theirs.status_code == 404 and not theirs.data.startswith(PNG_MAGIC)
    assert unknown.status_code == 404 and nothing_yet.status_code == 404
    audited = migrated.run("SELECT detail->>'kind' FROM audit_log WHERE action = 'child.chart' AND entity_id = %s",
                           (family["Ani"],))
    assert sorted(k for (k,) in audited) == ["lfa", "wfa", "wfl"]


def test_a_chart_speaks_the_pages_language(function_client, graph, family):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph)
    path = f"/anak/{family['Ani']}/grafik/wfa.png"

    indonesian = client.get(path, base_url=BASE).data
    _in_english(client, f"/anak/{family['Ani']}")
    english = client.get(path, base_url=BASE).data

    assert english.startswith(PNG_MAGIC) and indonesian != english


def test_the_page_shows_the_charts_categories_and_the_remeasure_label(function_client, graph, family):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph)

    page = client.get(f"/anak/{family['Ani']}", base_url=BASE)
    never = client.get(f"/anak/{family['Citra']}", base_url=BASE)

    imgs = re.findall(r'<img src="([^"]+)"[^>]*alt="([^"]+)"', page.text)
    assert [src for src, _ in imgs] == [f"/anak/{family['Ani']}/grafik/{k}.png" for k in ("lfa", "wfa", "wfl")]
    assert all(alt.startswith("Grafik pertumbuhan Ani") for _, alt in imgs)
    assert "Berat badan menurut umur" in imgs[1][1]
    words = _text(page.text)
    assert "PB/U: pendek" in words and "BB/U: berat badan normal" in words and "BB/PB: gizi baik" in words
    assert "Perlu diukur ulang" in words
    # The jump's categories (risk of overweight, obese) are not shown as if they were confirmed.
    assert "obesitas" not in words and "risiko berat badan lebih" not in words
    rows = re.findall(r"<tr[^>]*>.*?</tr>", page.text, re.S)
    [flagged] = [r for r in rows if "13,5" in r]
    assert "review-remeasure" in flagged and "Perlu diukur ulang" in flagged and "BB/U" not in flagged
    assert never.status_code == 200 and "<img" not in never.text
    assert "Grafik belum bisa dibuat" in never.text


def test_messages_are_in_words_in_indonesian_and_in_english(function_client, graph, family):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph)
    path = f"/anak/{family['Ani']}"
    local = MESSAGE_AT.astimezone(ZoneInfo(os.environ.get("TZ_DEFAULT") or DEFAULT_TZ))

    indonesian = _text(client.get(path, base_url=BASE).text)
    _in_english(client, path)
    english = _text(client.get(path, base_url=BASE).text)

    when_id = f"{fmt(local.date(), 'id')}, pukul {local:%H.%M}"
    assert f"{when_id} · Hasil pengukuran · dibaca" in indonesian
    assert f"{when_id} · Pengingat · diterima" in indonesian
    assert f"{when_id} · Grafik pertumbuhan · gagal terkirim" in indonesian
    assert f"{when_id} · Pesan · terkirim" in indonesian  # a kind the dashboard does not know
    when_en = f"{fmt(local.date(), 'en')}, {local:%H:%M}"
    assert f"{when_en} · Measurement result · read" in english
    assert f"{when_en} · Reminder · delivered" in english
    assert f"{when_en} · Growth chart · failed" in english
    assert f"{when_en} · Message · sent" in english
    assert "survey_2031" not in indonesian + english and "wamid" not in indonesian
    assert "L/A: stunted" in english and "W/A: normal weight" in english and "Needs re-measuring" in english
    assert "Growth chart of Ani" in client.get(path, base_url=BASE).text


def test_another_areas_child_page_and_charts_stay_hidden(function_client, graph, family):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, OTHER_KADER)

    mine = client.get(f"/anak/{family['Budi']}", base_url=BASE)
    theirs = client.get(f"/anak/{family['Ani']}/grafik/lfa.png", base_url=BASE)

    assert mine.status_code == 200 and f"/anak/{family['Budi']}/grafik/wfa.png" in mine.text
    assert theirs.status_code == 404 and "Ani" not in theirs.text
