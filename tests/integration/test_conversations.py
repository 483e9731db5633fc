"""Golden conversations through the real services, PostgreSQL and Redis: each step asserts the message keys."""
import json

import pytest

from shared.errors import TransientError
from shared.services.conversation import CONSENT_VERSION
from shared.whatsapp.outgoing import Text
from shared.whatsapp.payloads import build_message

pytestmark = pytest.mark.integration


def _keys(chat, script):
    """Play (text or reply id, expected keys) pairs and collect mismatches."""
    wrong = []
    for said, expected in script:
        reply_id = said[1:] if said.startswith("@") else ""
        got = chat.say("" if reply_id else said, reply_id=reply_id)
        if got != expected:
            wrong.append((said, expected, got))
    return wrong


def test_first_contact_asks_consent_and_stores_nothing_before_yes(chat, ports):
    """A greeting gets the consent question (a salam answered in kind first); until yes, no guardian row exists."""
    assert chat.say("Assalamualaikum") == ["greet_salam", "welcome_consent"]
    assert ports.records.run("SELECT count(*) FROM guardians")[0][0] == 0

    assert chat.say(reply_id="consent:yes") == ["consent_thanks", "menu"]

    assert ports.records.run("SELECT count(*), min(consent_version) FROM guardians")[0] == [1, CONSENT_VERSION]


def test_declining_consent_stores_nothing(chat, ports):
    """'Tidak setuju' leaves no guardian, no state, and a kind goodbye."""
    chat.say("Halo")

    assert chat.say(reply_id="consent:no") == ["consent_declined"]
    assert ports.records.run("SELECT count(*) FROM guardians")[0][0] == 0
    assert ports.conversations.load(chat.wa_id) is None


def test_english_before_consent_switches_the_language(chat, ports):
    """Tapping English re-asks consent in English and the family is stored with English."""
    chat.say("Hello")
    chat.say(reply_id="consent:en")
    english = ports.messenger.sent[-1][1]

    chat.say(reply_id="consent:yes")

    assert "Do you agree?" in english.body
    assert ports.records.run("SELECT language FROM guardians")[0][0] == "en"


def test_measuring_a_new_child_step_by_step(consented):
    """The menu's check walks name, sex, birth date, date, weight, length, position, optional fields, result."""
    script = [
        ("@menu:measure", ["ask_child_name"]),
        ("Ani", ["ask_sex"]),
        ("@sex:F", ["ask_birth_date"]),
        ("3 Januari 2024", ["ask_measured_on"]),
        ("@date:today", ["ask_weight"]),
        ("8,2 kg", ["ask_lenhei"]),
        ("72,5", ["ask_measure"]),
        ("@measure:l", ["ask_headc"]),
        ("@skip", ["ask_armc"]),
        ("@skip", ["ask_oedema"]),  # asked for every child: kwashiorkor can look well-fed
        ("@no", ["result_header", "result_status", "result_line", "result_line", "result_line", "result_line",
                 "summary_good", "feed_12_23", "next_check", "not_advice_note"]),
    ]

    assert _keys(consented, script) == []


def test_quick_entry_asks_only_what_is_missing(consented):
    """One message with sex, birth date, weight and height goes straight to the name, then the optional steps."""
    assert consented.say("cowok lahir 3 Jan 2024 bb 9,1 tb 76 cm") == ["ask_child_name"]
    assert consented.say("Budi") == ["ask_measured_on"]


def test_bad_answer_is_reasked_with_a_hint_and_the_third_failure_keeps_everything(consented, ports):
    """Nonsense at the weight step gets hint + question twice; the third says what is missing with an example and
    offers the kader's help, and nothing typed before is lost: a weight then finishes the check."""
    consented.say("cewek lahir 21-04-2023 pb 70")
    consented.say("Sari")
    consented.say("@date:today".lstrip("@"), reply_id="date:today")

    first = consented.say("berat nya belum tau")
    second = consented.say("??")
    third = consented.say("entah")

    assert first == second == ["invalid_number", "ask_weight"]
    assert third == ["invalid_number", "stuck_weight"]
    assert "9,1" in ports.messenger.sent[-1][1].body
    assert consented.say(reply_id="help:kader") == ["kader_can_help", "ask_weight"]
    assert consented.say("8,6")[0] in ("ask_measure", "ask_headc")  # Sari, her birth date and length were kept


def test_out_of_range_weight_explains_the_range(consented):
    """A weight of 150 kg is refused with the usual range, and the question is asked again."""
    consented.say(reply_id="menu:measure")
    for answer in ("Ani", "P", "3-1-2024"):
        consented.say(answer)
    consented.say(reply_id="date:today")

    assert consented.say("150") == ["number_out_of_range", "ask_weight"]


def test_a_second_weighing_says_naik_or_tidak_naik(consented, ports):
    """The next month's weighing is compared with the last one against the KBM."""
    consented.say("cewek lahir 3-1-2024 bb 8,0 pb 70 tgl ukur 3-2-2025")
    consented.say("Ani")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say(reply_id="no")  # no oedema (asked for every child)

    consented.say("cewek lahir 3-1-2024 bb 8,4 pb 71 tgl ukur 5-3-2025")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    keys = consented.say(reply_id="no")

    assert "gain_gained" in keys


def test_implausible_numbers_ask_to_remeasure_and_are_stored_flagged(consented, ports):
    """A length WHO flags as implausible is asked about at once; confirmed as typed, it is stored with its flag and
    never shown as a result (the child is measured again)."""
    assert consented.say("cowok lahir 3-1-2024 bb 9 pb 40 tgl ukur 3-3-2025") == ["check_lenhei"]
    consented.say(reply_id="check:right")
    consented.say("Budi")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")

    keys = consented.say(reply_id="no")

    assert keys == ["remeasure"]
    assert ports.records.run("SELECT flags FROM measurements")[0][0] != []


@pytest.mark.parametrize("word,expected", [("MENU", ["menu"]), ("batal", ["cancelled", "menu"]),
                                           ("BANTUAN", ["help", "menu"]), ("bahasa", ["ask_language"])])
def test_words_that_work_anywhere_even_mid_flow(consented, word, expected):
    """Global words interrupt a flow wherever it is."""
    consented.say(reply_id="menu:measure")

    assert consented.say(word) == expected


def test_stop_is_confirmed_and_reversible(consented, ports):
    """STOP asks first, records the opt-out on yes, and MULAI undoes it."""
    assert consented.say("STOP") == ["confirm_stop"]
    assert consented.say(reply_id="yes") == ["stop_done"]
    assert ports.records.run("SELECT opted_out_at IS NOT NULL FROM guardians")[0][0] is True

    assert consented.say("MULAI") == ["start_done"]
    assert ports.records.run("SELECT opted_out_at IS NULL FROM guardians")[0][0] is True


def test_hapus_deletes_the_family_everywhere_after_confirmation(consented, ports):
    """HAPUS removes guardian, children, measurements and messages still waiting to go to them, queues the
    Sheet deletion, and clears Redis."""
    consented.say("cewek lahir 3-1-2024 bb 8,0 pb 70")
    for said in ("Ani", "@date:today", "@skip", "@skip"):
        consented.say(reply_id=said[1:]) if said.startswith("@") else consented.say(said)
    assert consented.say(reply_id="no")[0] == "result_header"  # no oedema: the result, and Ani is stored
    ports.records.run("INSERT INTO outbox (kind, payload, next_attempt_at) VALUES ('send', %s, now() + "
                      "interval '1 day')", (json.dumps({"to": consented.wa_id, "body": build_message(consented.wa_id, Text("x"))}),))
    # Ani belongs to a posyandu (the family skipped choosing one): her rows are in that posyandu's Sheet.
    ids = ports.records.run("WITH p AS (INSERT INTO posyandu (name) VALUES ('Melati') RETURNING id) "
                            "UPDATE children SET posyandu_id = (SELECT id FROM p) RETURNING posyandu_id, id, "
                            "(SELECT array_agg(id) FROM measurements)")[0]
    assert consented.say("HAPUS") == ["confirm_delete"]

    assert consented.say(reply_id="delete:yes") == ["delete_done"]

    counts = ports.records.run("SELECT (SELECT count(*) FROM guardians), (SELECT count(*) FROM children), "
                               "(SELECT count(*) FROM measurements), (SELECT count(*) FROM outbox WHERE done_at IS NULL "
                               "AND kind <> 'sheet_delete')")[0]
    assert list(counts) == [0, 0, 0, 0]
    deletes = ports.records.run("SELECT payload FROM outbox WHERE kind = 'sheet_delete'")
    assert deletes == [[{"posyandu_id": ids[0], "child_ids": [ids[1]], "measurement_ids": ids[2]}]]
    assert ports.conversations.load(consented.wa_id) is None


def test_hapus_can_be_called_off(consented, ports):
    """Answering no keeps everything."""
    consented.say("HAPUS")

    assert consented.say(reply_id="delete:no") == ["cancelled", "menu"]
    assert ports.records.run("SELECT count(*) FROM guardians")[0][0] == 1


def test_media_gets_a_request_for_numbers_as_text(consented):
    """A photo or voice note is thanked and the numbers are asked for as text."""
    assert consented.say(kind="image") == ["media_not_read"]
    assert consented.say(kind="audio") == ["media_not_read"]
    assert consented.say(kind="reaction") == []


def test_a_redelivered_message_is_answered_once(chat, ports):
    """The same message id handled twice gives one reply and one inbound record."""
    from shared.services.inbound import handle_message

    msg = chat.message("Halo")
    first = handle_message(ports, msg, chat.now)
    second = handle_message(ports, msg, chat.now)

    assert (first, second) == (("welcome_consent",), ())
    assert len(ports.messenger.sent) == 1


def test_redelivery_after_redis_lost_its_claims_is_still_answered_once(chat, ports):
    """With Redis flushed, PostgreSQL's unique message id still stops a second reply."""
    from shared.services.inbound import handle_message

    msg = chat.message("Halo")
    handle_message(ports, msg, chat.now)
    ports.conversations.client().flushdb()

    assert handle_message(ports, msg, chat.now) == ()
    assert len(ports.messenger.sent) == 1


def test_graph_api_down_keeps_the_reply_for_the_redelivery(chat, ports):
    """A transient send failure raises (503) and Meta's redelivery sends the queued reply exactly once."""
    from datetime import timedelta

    from shared.services.inbound import handle_message
    from shared.whatsapp.errors import WhatsAppTransient

    msg = chat.message("Halo")
    ports.messenger.fail_with = WhatsAppTransient("down")
    with pytest.raises(TransientError):
        handle_message(ports, msg, chat.now)
    ports.messenger.fail_with = None
    ports.records.run("UPDATE outbox SET next_attempt_at = now() - interval '1 second'")

    handle_message(ports, msg, chat.now + timedelta(minutes=1))
    handle_message(ports, msg, chat.now + timedelta(minutes=2))

    assert len(ports.messenger.sent) == 1


def test_a_timed_out_conversation_starts_fresh_with_a_short_note(consented, ports):
    """When the saved state has expired, the next message says so once and starts over."""
    consented.say(reply_id="menu:measure")
    ports.conversations.client().delete(f"conv:{consented.wa_id}")  # what Redis does when the TTL runs out

    first = consented.say("9,1")
    second = consented.say("MENU")

    assert first[0] == "session_expired"
    assert second == ["menu"]


def test_a_stale_button_after_the_time_out_gets_the_menu(consented, ports):
    """Tapping a button of a conversation that expired does not act on it."""
    consented.say(reply_id="menu:measure")
    ports.conversations.client().delete(f"conv:{consented.wa_id}")

    assert consented.say(reply_id="sex:F") == ["session_expired", "menu"]


def test_language_switch_changes_every_later_message(consented, ports):
    """BAHASA → English: the confirmation and the menu come in English and the choice is stored."""
    consented.say("BAHASA")

    assert consented.say(reply_id="lang:en") == ["language_set", "menu"]
    assert ports.records.run("SELECT language FROM guardians")[0][0] == "en"
    assert ports.messenger.sent[-1][1].body.startswith("OK, Tumbuh will use English.")


def test_history_lists_earlier_results(consented):
    """Riwayat shows the stored measurements of the only child."""
    consented.say("cewek lahir 3-1-2024 bb 8,0 pb 70 tgl ukur 3-2-2025")
    consented.say("Ani")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say(reply_id="no")  # no oedema (asked for every child)

    assert consented.say(reply_id="menu:history") == ["history_header", "history_line"]


def test_scheduler_resends_replies_that_failed_earlier(chat, ports):
    """A reply left in the outbox by a Graph API outage is sent by the next scheduler tick, once."""
    from shared.services.delivery import deliver_due
    from shared.whatsapp.errors import WhatsAppTransient

    ports.messenger.fail_with = WhatsAppTransient("down")
    with pytest.raises(TransientError):
        chat.say("Halo")
    ports.messenger.fail_with = None
    ports.records.run("UPDATE outbox SET next_attempt_at = now() - interval '1 second'")

    sent_now, sent_again = deliver_due(ports, chat.now), deliver_due(ports, chat.now)

    assert (sent_now, sent_again, len(ports.messenger.sent)) == (1, 0, 1)


@pytest.mark.parametrize("text,expected", [("Selamat pagi bu bidan", ["greet_pagi", "menu"]), ("asdfgh qwerty", ["not_understood", "menu"]),
                                           ("riwayat", ["no_children", "menu"])])
def test_free_text_gets_the_menu_or_the_matching_item(consented, text, expected):
    """Greetings get the menu (answered in kind), nonsense says so first, and a menu word goes straight to its item."""
    assert consented.say(text) == expected


def test_a_bug_while_handling_one_message_apologises_and_the_batch_goes_on(chat, ports, monkeypatch, caplog):
    """An unexpected error rolls that message back, sends a short apology, and later messages are handled."""
    from shared.services import conversation, inbound
    from shared.whatsapp.webhook import Updates

    calls = {"n": 0}
    real = conversation.Dialogue.run

    def broken_once(self):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return real(self)

    monkeypatch.setattr(conversation.Dialogue, "run", broken_once)
    first, second = chat.message("Halo"), chat.message("Halo lagi")

    inbound.handle_updates(ports, Updates(messages=(first, second)), chat.now)

    texts = [m.body for _, m in ports.messenger.sent]
    assert texts[0].startswith("Maaf, Tumbuh sedang ada gangguan")
    assert len(texts) == 2 and "Persetujuan data" in texts[1]
    assert ports.records.run("SELECT count(*) FROM inbound_messages")[0][0] == 1
    assert "6281200000001" not in caplog.text


def _measure_twice(chat):
    chat.say("cewek lahir 3-1-2024 bb 8,0 pb 70 tgl ukur 3-2-2025")
    chat.say("Ani")
    chat.say(reply_id="skip")
    chat.say(reply_id="skip")
    chat.say(reply_id="no")  # no oedema (asked for every child)
    chat.say("cewek lahir 3-1-2024 bb 8,4 pb 71 tgl ukur 5-3-2025")
    chat.say(reply_id="skip")
    chat.say(reply_id="skip")
    return chat.say(reply_id="no")


def test_the_result_advice_comes_under_the_childs_length_chart(consented, ports):
    """The chart comes after each result, since parents read a curve faster than a number, without adding a
    message: the second result message is headed by the child's length/height-for-age chart (uploaded PNG, sent
    by media id), so the result is still two messages; its buttons send the others."""
    from shared.whatsapp.outgoing import Buttons

    _measure_twice(consented)
    first, second = (m for _, m in ports.messenger.sent[-2:])

    assert isinstance(first, Text) and "Ani" in first.body
    assert isinstance(second, Buttons) and second.image_id == f"media.{len(ports.messenger.uploads)}"
    assert [b.id.split(":")[1] for b in second.buttons] == ["wfa", "wfl", "menu"]
    assert ports.messenger.uploads[-1][:8] == b"\x89PNG\r\n\x1a\n"


def test_the_result_chart_holds_every_earlier_measurement_and_the_new_one(consented, ports, monkeypatch):
    """The chart drawn with the second result has both visits, as (age in days, corrected length) points."""
    from shared import charts

    drawn = []
    real = charts.render_chart
    monkeypatch.setattr(charts, "render_chart", lambda *a, **k: drawn.append(a) or real(*a, **k))

    _measure_twice(consented)

    indicator, sex, points = drawn[-1][:3]
    assert (indicator, sex) == ("lfa", "F")
    assert [p[1] for p in points] == [70.0, 71.0]
    assert [p[0] for p in points] == [397, 427]  # 3-1-2024 to 3-2-2025 and to 5-3-2025


def test_a_chart_that_cannot_be_drawn_still_sends_the_advice(consented, ports, monkeypatch):
    """A bug in drawing costs the picture, never the advice: the message goes without an image header."""
    from shared import charts

    def broken(*args, **kwargs):
        raise RuntimeError("drawing bug")

    monkeypatch.setattr(charts, "render_chart", broken)
    _measure_twice(consented)

    advice = ports.messenger.sent[-1][1]
    assert advice.image_id == "" and "Timbang dan ukur lagi" in advice.body


def test_a_chart_asked_for_that_cannot_be_drawn_gets_a_kind_word_not_silence(consented, ports, monkeypatch):
    """A tapped chart whose drawing fails is answered with an apology, and its outbox row is finished."""
    from shared import charts

    _measure_twice(consented)
    chart_id = ports.messenger.sent[-1][1].buttons[0].id

    def broken(*args, **kwargs):
        raise RuntimeError("drawing bug")

    monkeypatch.setattr(charts, "render_chart", broken)
    consented.say(reply_id=chart_id)

    assert "grafik Ani belum bisa dibuat sekarang" in ports.messenger.sent[-1][1].body
    assert ports.records.run("SELECT count(*) FROM outbox WHERE kind = 'send' AND done_at IS NULL")[0][0] == 0


def test_a_tap_on_a_chart_button_sends_that_chart_as_a_picture(consented, ports):
    """The weight chart button sends the chart as an uploaded PNG image with a short caption."""
    from shared.whatsapp.outgoing import Image

    _measure_twice(consented)
    consented.say(reply_id=ports.messenger.sent[-1][1].buttons[0].id)

    image = ports.messenger.sent[-1][1]
    assert isinstance(image, Image) and image.media_id == f"media.{len(ports.messenger.uploads)}"
    assert "Ani" in image.caption


def test_the_same_chart_is_not_drawn_or_uploaded_again(consented, ports):
    """Asking twice for a chart of unchanged data reuses the uploaded media id."""
    _measure_twice(consented)
    uploads = len(ports.messenger.uploads)
    chart_id = ports.messenger.sent[-1][1].buttons[0].id  # the weight chart

    consented.say(reply_id=chart_id)
    consented.say(reply_id=chart_id)

    assert len(ports.messenger.uploads) == uploads + 1
    assert ports.messenger.sent[-1][1].media_id == ports.messenger.sent[-2][1].media_id


@pytest.mark.parametrize("code", [100, 131053])
def test_a_chart_whose_media_id_meta_forgot_is_uploaded_again(consented, ports, code):
    """Meta keeps an upload 30 days; when it no longer knows a remembered media id, the chart is uploaded once
    more and sent, instead of the family losing the picture."""
    from shared.whatsapp.errors import error_for
    from shared.whatsapp.outgoing import Image

    _measure_twice(consented)
    chart_id = ports.messenger.sent[-1][1].buttons[0].id
    consented.say(reply_id=chart_id)
    uploads, sent = len(ports.messenger.uploads), len(ports.messenger.sent)
    ports.messenger.fail_next = [error_for(400, {"code": code, "message": "(#100) Media id not found"})]

    consented.say(reply_id=chart_id)

    image = ports.messenger.sent[-1][1]
    assert len(ports.messenger.sent) == sent + 1 and len(ports.messenger.uploads) == uploads + 1
    assert isinstance(image, Image) and image.media_id == f"media.{uploads + 1}"


class RecordingQueue:
    """A TaskQueue that keeps the bodies handed to it (Cloud Tasks itself is tested against its stand-in)."""

    def __init__(self, fail_with=None):
        self.bodies, self.fail_with = [], fail_with

    def hand_off(self, body):
        if self.fail_with is not None:
            raise self.fail_with
        self.bodies.append(body)


def test_with_a_task_queue_the_webhook_hands_the_chart_message_off(consented, ports):
    """The webhook sends the categories at once and hands the chart-headed advice to the queue; the task
    endpoint's claim sends it, and a second delivery of the same task claims nothing."""
    from dataclasses import replace

    from shared.services.delivery import send_rows

    ports = replace(ports, tasks=RecordingQueue())
    consented.ports = ports
    _measure_twice(consented)
    before = len(ports.messenger.sent)
    (body,) = ports.tasks.bodies[-1:]
    assert "Ani" in ports.messenger.sent[-1][1].body and not hasattr(ports.messenger.sent[-1][1], "image_id")

    rows = ports.records.claim_handed_off(body["outbox_ids"])
    assert send_rows(ports, rows, consented.now) == 1
    assert ports.messenger.sent[-1][1].image_id.startswith("media.") and len(ports.messenger.sent) == before + 1
    assert ports.records.claim_handed_off(body["outbox_ids"]) == []


def test_when_the_task_queue_is_down_the_webhook_draws_the_chart_itself(consented, ports):
    """Cloud Tasks unavailable: the family still gets the chart at once, drawn by the webhook."""
    from dataclasses import replace

    from shared.errors import TransientError

    consented.ports = replace(ports, tasks=RecordingQueue(fail_with=TransientError("queue down")))
    _measure_twice(consented)

    assert ports.messenger.sent[-1][1].image_id.startswith("media.")


def test_history_offers_all_three_charts(consented, ports):
    """Riwayat ends with buttons for length/height, weight and weight-for-length charts."""
    _measure_twice(consented)

    consented.say(reply_id="menu:history")

    ids = [b.id.split(":")[1] for b in ports.messenger.sent[-1][1].buttons]
    assert ids == ["lfa", "wfa", "wfl"]


def test_a_chart_of_another_familys_child_is_refused(consented, ports):
    """A forged chart id for a child that is not this family's just gets the menu."""
    assert consented.say(reply_id="chart:lfa:999999") == ["menu"]
    assert ports.messenger.uploads == []


def test_a_message_refused_outside_the_window_waits_for_the_persons_reply(consented, ports):
    """131047: the waiting-message template goes out, and the held message is released by the next reply."""
    from shared.services.delivery import deliver_due
    from shared.whatsapp.errors import OutsideWindow
    from shared.whatsapp.outgoing import Template

    ports.messenger.fail_next = [OutsideWindow("re-engagement", code=131047)]
    consented.say("BANTUAN")
    template = ports.messenger.sent[-1][1]
    held = ports.records.run("SELECT count(*) FROM outbox WHERE last_error = 'OutsideWindow' AND done_at IS NULL")

    consented.say("ya")
    released = deliver_due(ports, consented.now)

    assert isinstance(template, Template) and template.name == "pesan_menunggu"
    assert held[0][0] == 1 and released == 1
    assert "Cara memakai Tumbuh" in ports.messenger.sent[-1][1].body


def test_a_number_meta_cannot_reach_is_marked_unreachable(consented, ports):
    """131026 on a send marks the guardian unreachable and the message is not retried."""
    from shared.whatsapp.errors import Unreachable

    ports.messenger.fail_next = [Unreachable("undeliverable", code=131026)]
    consented.say("MENU")

    assert ports.records.run("SELECT unreachable_at IS NOT NULL FROM guardians")[0][0] is True
    assert ports.records.run("SELECT count(*) FROM outbox WHERE kind = 'send' AND done_at IS NULL")[0][0] == 0


def test_failed_sends_back_off_longer_each_attempt(chat, ports):
    """A reply that keeps failing is retried later and later (15 s, 30 s, 60 s, ...), not hammered."""
    from shared.services.delivery import deliver_due
    from shared.whatsapp.errors import WhatsAppTransient

    ports.messenger.fail_with = WhatsAppTransient("down")
    with pytest.raises(TransientError):
        chat.say("Halo")
    waits = []
    for _ in range(3):
        ports.records.run("UPDATE outbox SET next_attempt_at = now() - interval '1 second'")
        with pytest.raises(TransientError):
            deliver_due(ports, chat.now)
        waits.append(ports.records.run("SELECT extract(epoch FROM next_attempt_at - now()) FROM outbox "
                                       "WHERE kind = 'send'")[0][0])

    assert waits[0] < waits[1] < waits[2]


def test_a_consent_tap_without_its_question_in_memory_still_counts(chat, ports):
    """Tapping 'Setuju' after the onboarding state timed out (or before the greeting was handled) consents."""
    assert chat.say(reply_id="consent:yes") == ["consent_thanks", "menu"]
    assert ports.records.run("SELECT count(*) FROM guardians")[0][0] == 1


def test_history_says_which_weighings_went_up(consented, ports):
    """Each history line carries the category that matters most and naik / tidak naik."""
    _measure_twice(consented)

    consented.say(reply_id="menu:history")

    text = ports.messenger.sent[-1][1].body
    assert "5 Maret 2025: BB 8,4 kg, PB 71 cm — pendek, berat naik" in text
    assert "3 Februari 2025: BB 8 kg, PB 70 cm — normal, sesuai standar\n" in text + "\n"


def test_the_consent_question_offers_the_other_language_each_time(chat, ports):
    """In English the third button switches back to Bahasa Indonesia, and the choice sticks at consent."""
    chat.say("Halo")
    chat.say(reply_id="consent:en")
    english = ports.messenger.sent[-1][1]

    chat.say(reply_id="consent:id")
    indonesian = ports.messenger.sent[-1][1]
    chat.say(reply_id="consent:yes")

    assert [b.title for b in english.buttons][2] == "Bahasa Indonesia"
    assert [b.title for b in indonesian.buttons][2] == "English" and "Apakah Anda setuju?" in indonesian.body
    assert ports.records.run("SELECT language FROM guardians")[0][0] == "id"


def test_a_hand_off_that_timed_out_but_ran_is_not_sent_twice(consented, ports):
    """Cloud Tasks may create a task and still time out: if the task endpoint claimed the rows first, the
    webhook's fallback finds them taken and draws nothing; the chart message goes exactly once."""
    from dataclasses import replace

    from shared.errors import TransientError
    from shared.services.delivery import send_rows

    class RanThenTimedOut:
        def hand_off(self, body):
            send_rows(ports, ports.records.claim_handed_off(body["outbox_ids"]), consented.now)  # the task ran
            raise TransientError("timed out waiting for Cloud Tasks")

    consented.ports = replace(ports, tasks=RanThenTimedOut())
    _measure_twice(consented)

    charts = [m for _, m in ports.messenger.sent if getattr(m, "image_id", "")]
    assert len(charts) == 2  # one per result, none twice
    assert ports.records.run("SELECT count(*) FROM outbox WHERE kind = 'send' AND done_at IS NULL")[0][0] == 0


def test_measuring_a_known_child_loads_its_history_with_the_message(consented, ports, monkeypatch):
    """Choosing a registered child puts it in focus: the assessing turn gets the child's history with the
    message's first statement (no round trip of its own) and still finds naik / tidak naik and both points."""
    from shared.adapters.postgres import PgUnitOfWork

    consented.say("cewek lahir 3-1-2024 bb 8,0 pb 70 tgl ukur 3-2-2025")
    consented.say("Ani")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say(reply_id="no")  # no oedema (asked for every child)
    child_id = ports.records.run("SELECT id FROM children")[0][0]
    assert consented.say(reply_id="menu:measure") == ["ask_which_child"]
    assert consented.say(reply_id=f"child:{child_id}") == ["ask_measured_on"]
    assert consented.say("5-3-2025") == ["ask_weight"]
    assert consented.say("8,4") == ["ask_lenhei"]
    assert consented.say("71") == ["ask_measure"]
    assert consented.say(reply_id="measure:l") == ["ask_headc"]
    assert consented.say(reply_id="skip") == ["ask_armc"]
    assert consented.say(reply_id="skip") == ["ask_oedema"]
    calls = []
    real = PgUnitOfWork.measurements_of
    monkeypatch.setattr(PgUnitOfWork, "measurements_of", lambda self, *a, **k: calls.append(a) or real(self, *a, **k))

    keys = consented.say(reply_id="no")

    assert "gain_gained" in keys and calls == []
    assert ports.messenger.sent[-1][1].image_id.startswith("media.")
