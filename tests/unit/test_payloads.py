"""Cloud API payloads: exact JSON bodies, and every Meta limit refused by name (Indonesian text and emoji as data)."""
import pytest

from shared.errors import PermanentError, TransientError
from shared.whatsapp import errors as e
from shared.whatsapp.errors import InvalidMessage, MessageTooLong
from shared.whatsapp.outgoing import (
    Button,
    Buttons,
    Image,
    ListMessage,
    Row,
    Section,
    Template,
    Text,
)
from shared.whatsapp.payloads import (
    IMAGE_MAX_BYTES,
    build_message,
    char_len,
    image_mime,
    is_buttons,
    with_image_header,
)

TO = "6281200000001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def sex_buttons(*titles: str, body: str = "Jenis kelamin anak?", **kw) -> Buttons:
    return Buttons(body=body, buttons=tuple(Button(id=f"b{i}", title=t) for i, t in enumerate(titles)), **kw)


def menu(rows: int = 3, sections: int = 1, **kw) -> ListMessage:
    per = [rows // sections + (1 if i < rows % sections else 0) for i in range(sections)]
    built, n = [], 0
    for i, count in enumerate(per):
        built.append(Section(title=f"Bagian {i}", rows=tuple(Row(id=f"r{n + j}", title=f"Pilihan {n + j}")
                                                             for j in range(count))))
        n += count
    fields = {"body": "Pilih menu:", "button": "Menu", "sections": tuple(built)}
    fields.update(kw)
    return ListMessage(**fields)


def refused_field(msg, exc=InvalidMessage) -> str:
    with pytest.raises(exc) as info:
        build_message(TO, msg)
    return info.value.field


# --- Counting characters -----------------------------------------------------------------------------------------

def test_characters_are_counted_in_utf16_units():
    """Latin letters and é count 1, an emoji outside the BMP counts 2, a ZWJ family counts every part."""
    assert (char_len("Laki-laki"), char_len("é"), char_len("👶"), char_len("👨‍👩‍👧")) == (9, 1, 2, 8)


# --- Text ---------------------------------------------------------------------------------------------------------

def test_text_payload_is_exactly_the_cloud_api_body():
    """A text message carries the common envelope and a text object with preview_url."""
    body = build_message(TO, Text("Halo Bunda 👶, data sudah tersimpan."))

    assert body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, "type": "text",
                    "text": {"body": "Halo Bunda 👶, data sudah tersimpan.", "preview_url": False}}


def test_text_body_of_4096_units_is_accepted_and_4097_refused():
    """The text body limit is 4096, inclusive."""
    assert build_message(TO, Text("a" * 4096))["text"]["body"] == "a" * 4096
    assert refused_field(Text("a" * 4097), MessageTooLong) == "body"


def test_emoji_count_double_towards_the_text_limit():
    """2049 baby emoji are 2049 code points but 4098 UTF-16 units: refused."""
    assert build_message(TO, Text("👶" * 2048))
    assert refused_field(Text("👶" * 2049), MessageTooLong) == "body"


def test_empty_text_is_refused():
    """A blank body is refused (Meta answers 100)."""
    assert refused_field(Text("   ")) == "body"


def test_recipient_must_be_a_wa_id_and_is_not_echoed_in_the_error():
    """A malformed recipient is refused without repeating the value (it may be a phone number)."""
    with pytest.raises(InvalidMessage) as info:
        build_message("0812-3456-7890", Text("Halo"))

    assert info.value.field == "to" and "7890" not in str(info.value)


# --- Reply buttons ------------------------------------------------------------------------------------------------

def test_buttons_payload_is_exactly_the_cloud_api_body():
    """Reply buttons become an interactive 'button' with reply objects, header and footer."""
    msg = sex_buttons("Laki-laki", "Perempuan", header="Data anak", footer="Ketik batal untuk berhenti")

    body = build_message(TO, msg)

    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Jenis kelamin anak?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "b0", "title": "Laki-laki"}},
                               {"type": "reply", "reply": {"id": "b1", "title": "Perempuan"}}]},
        "header": {"type": "text", "text": "Data anak"},
        "footer": {"text": "Ketik batal untuk berhenti"},
    }


def test_buttons_headed_by_an_uploaded_image_send_it_by_media_id():
    """A chart rides above the advice as the buttons' image header (Meta: text, image, video or document)."""
    msg = sex_buttons("Grafik berat", "Menu", header="ignored when an image heads it", image_id="1234567890")

    body = build_message(TO, msg)

    assert body["interactive"]["header"] == {"type": "image", "image": {"id": "1234567890"}}


def test_an_image_header_id_that_is_not_text_is_refused_by_name():
    """A media id is text; a number slipped in from JSON is refused before Meta sees it."""
    assert refused_field(sex_buttons("Menu", image_id=12345)) == "image_id"


def test_a_24_character_button_title_is_refused_by_name():
    """'Lihat grafik pertumbuhan' (24) is over the 20-character button title limit."""
    assert refused_field(sex_buttons("Laki-laki", "Lihat grafik pertumbuhan"), MessageTooLong) == "buttons[1].title"


def test_emoji_can_push_a_button_title_over_the_limit():
    """16 code points with four emoji are 20 units (fine); one more emoji makes 22 (refused)."""
    assert build_message(TO, sex_buttons("Grafik anak 👶👶👶👶"))
    assert refused_field(sex_buttons("Grafik anak 👶👶👶👶👶"), MessageTooLong) == "buttons[0].title"


@pytest.mark.parametrize("count", [0, 4])
def test_button_count_outside_one_to_three_is_refused(count):
    """Meta allows 1 to 3 reply buttons."""
    assert refused_field(sex_buttons(*[f"Pilihan {i}" for i in range(count)])) == "buttons"


def test_three_buttons_are_accepted():
    """Three buttons is the maximum and builds."""
    assert len(build_message(TO, sex_buttons("Ya", "Tidak", "Nanti"))["interactive"]["action"]["buttons"]) == 3


def test_button_id_of_256_is_accepted_and_257_refused():
    """Button ids are capped at 256 characters."""
    ok = Buttons(body="Lanjut?", buttons=(Button(id="x" * 256, title="Ya"),))
    long = Buttons(body="Lanjut?", buttons=(Button(id="x" * 257, title="Ya"),))

    assert build_message(TO, ok)
    assert refused_field(long, MessageTooLong) == "buttons[0].id"


def test_duplicate_button_ids_are_refused():
    """Two buttons with the same id could not be told apart in the reply."""
    msg = Buttons(body="Lanjut?", buttons=(Button(id="ya", title="Ya"), Button(id="ya", title="Tentu")))

    assert refused_field(msg) == "buttons.id"


def test_duplicate_button_titles_are_refused():
    """Meta refuses two buttons with the same title."""
    msg = Buttons(body="Lanjut?", buttons=(Button(id="a", title="Ya"), Button(id="b", title="Ya")))

    assert refused_field(msg) == "buttons.title"


def test_button_body_of_1024_is_accepted_and_1025_refused():
    """Reply-button bodies are capped at 1024, not 4096."""
    assert build_message(TO, sex_buttons("Ya", body="a" * 1024))
    assert refused_field(sex_buttons("Ya", body="a" * 1025), MessageTooLong) == "body"


@pytest.mark.parametrize("part", ["header", "footer"])
def test_header_and_footer_of_60_are_accepted_and_61_refused(part):
    """Text headers and footers are capped at 60."""
    assert build_message(TO, sex_buttons("Ya", **{part: "h" * 60}))
    assert refused_field(sex_buttons("Ya", **{part: "h" * 61}), MessageTooLong) == part


# --- Lists --------------------------------------------------------------------------------------------------------

def test_list_payload_is_exactly_the_cloud_api_body():
    """A list becomes an interactive 'list' with the button label and sections of rows."""
    msg = ListMessage(body="Pilih menu:", button="Menu",
                      sections=(Section(title="Anak", rows=(Row("ukur", "Ukur anak", "Tinggi dan berat badan"),
                                                            Row("grafik", "Lihat grafik pertumbuhan"))),),
                      header="Tumbuh", footer="Posyandu Melati")

    body = build_message(TO, msg)

    assert body["interactive"] == {
        "type": "list",
        "body": {"text": "Pilih menu:"},
        "action": {"button": "Menu", "sections": [{"title": "Anak", "rows": [
            {"id": "ukur", "title": "Ukur anak", "description": "Tinggi dan berat badan"},
            {"id": "grafik", "title": "Lihat grafik pertumbuhan"}]}]},
        "header": {"type": "text", "text": "Tumbuh"},
        "footer": {"text": "Posyandu Melati"},
    }


def test_ten_rows_over_several_sections_are_accepted_and_eleven_refused():
    """The 10-row limit counts rows in all sections together."""
    assert build_message(TO, menu(rows=10, sections=3))
    assert refused_field(menu(rows=11, sections=3)) == "rows"


def test_eleven_sections_are_refused():
    """At most 10 sections."""
    sections = tuple(Section(title=f"S{i}", rows=(Row(f"r{i}", "Baris"),)) for i in range(11))

    assert refused_field(ListMessage(body="Pilih:", button="Menu", sections=sections)) == "sections"


def test_row_title_of_24_is_accepted_and_25_refused():
    """'Lihat grafik pertumbuhan' (24) fits a row title; one more character does not."""
    ok = ListMessage("Pilih:", "Menu", (Section("Anak", (Row("g", "Lihat grafik pertumbuhan"),)),))
    long = ListMessage("Pilih:", "Menu", (Section("Anak", (Row("g", "Lihat grafik pertumbuhan!"),)),))

    assert build_message(TO, ok)
    assert refused_field(long, MessageTooLong) == "sections[0].rows[0].title"


def test_row_description_of_72_is_accepted_and_73_refused():
    """Row descriptions are capped at 72."""
    ok = ListMessage("Pilih:", "Menu", (Section("Anak", (Row("g", "Grafik", "d" * 72),)),))
    long = ListMessage("Pilih:", "Menu", (Section("Anak", (Row("g", "Grafik", "d" * 73),)),))

    assert build_message(TO, ok)
    assert refused_field(long, MessageTooLong) == "sections[0].rows[0].description"


def test_row_id_of_200_is_accepted_and_201_refused():
    """Row ids are capped at 200 (not 256 as for buttons)."""
    ok = ListMessage("Pilih:", "Menu", (Section("Anak", (Row("i" * 200, "Grafik"),)),))
    long = ListMessage("Pilih:", "Menu", (Section("Anak", (Row("i" * 201, "Grafik"),)),))

    assert build_message(TO, ok)
    assert refused_field(long, MessageTooLong) == "sections[0].rows[0].id"


def test_list_button_label_of_20_is_accepted_and_21_refused():
    """The button that opens the list is capped at 20."""
    assert build_message(TO, menu(button="Pilih layanan posyan"))
    assert refused_field(menu(button="Pilih layanan posyand"), MessageTooLong) == "button"


def test_list_body_of_4096_is_accepted_and_4097_refused():
    """List bodies are capped at 4096."""
    assert build_message(TO, menu(body="a" * 4096))
    assert refused_field(menu(body="a" * 4097), MessageTooLong) == "body"


def test_section_title_is_required_when_there_are_several_sections():
    """Meta needs a title on every section once there is more than one."""
    msg = ListMessage("Pilih:", "Menu", (Section("", (Row("a", "A"),)), Section("Lain", (Row("b", "B"),))))

    assert refused_field(msg) == "sections[0].title"


def test_row_ids_must_be_unique_across_sections():
    """The same row id in two sections is refused."""
    msg = ListMessage("Pilih:", "Menu", (Section("S1", (Row("a", "A"),)), Section("S2", (Row("a", "B"),))))

    assert refused_field(msg) == "rows.id"


def test_a_section_without_rows_is_refused():
    """Each section needs at least one row."""
    msg = ListMessage("Pilih:", "Menu", (Section("S1", (Row("a", "A"),)), Section("S2", ())))

    assert refused_field(msg) == "sections[1].rows"


# --- Templates ----------------------------------------------------------------------------------------------------

def test_template_components_are_a_list_with_body_and_quick_replies():
    """Body parameters and quick-reply payloads become a list of components, in Meta's shape."""
    msg = Template(name="pengingat_penimbangan", language="id", body_params=("Ani", "12-09-2025", "Posyandu Melati"),
                   quick_replies=("sudah_timbang", "ingatkan_lagi"))

    body = build_message(TO, msg)

    assert body["type"] == "template"
    assert isinstance(body["template"]["components"], list)
    assert body["template"] == {
        "name": "pengingat_penimbangan",
        "language": {"code": "id"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Ani"}, {"type": "text", "text": "12-09-2025"},
                                            {"type": "text", "text": "Posyandu Melati"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "0",
             "parameters": [{"type": "payload", "payload": "sudah_timbang"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "1",
             "parameters": [{"type": "payload", "payload": "ingatkan_lagi"}]},
        ],
    }


def test_template_without_variables_has_no_components():
    """A template with nothing to fill is sent as name and language only."""
    assert build_message(TO, Template(name="hello_world", language="en_US"))["template"] == {
        "name": "hello_world", "language": {"code": "en_US"}}


@pytest.mark.parametrize("name", ["Pengingat", "pengingat penimbangan", ""])
def test_template_name_must_be_lowercase_underscored(name):
    """Meta template names are lowercase letters, digits and underscores."""
    assert refused_field(Template(name=name, language="id")) == "name"


def test_template_language_must_be_a_code():
    """'Indonesian' is not a language code; 'id' is."""
    assert refused_field(Template(name="pengingat", language="Indonesian")) == "language"


def test_template_parameter_with_a_new_line_is_refused():
    """Meta refuses template parameters holding new lines."""
    assert refused_field(Template("pengingat", "id", body_params=("Ani\nBudi",))) == "body_params[0]"


def test_authentication_template_carries_the_code_in_the_body_and_the_copy_code_button():
    """Meta's authentication template takes the code twice: as the body's parameter and as the text parameter of
    its copy-code button, which is sent as a URL button at index 0."""
    msg = Template("tumbuh_kode_masuk", "id", body_params=("042917",), copy_code="042917")

    assert build_message(TO, msg)["template"] == {
        "name": "tumbuh_kode_masuk",
        "language": {"code": "id"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "042917"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "042917"}]},
        ],
    }


@pytest.mark.parametrize("code, quick_replies, exc", [
    ("0429 17", (), InvalidMessage),  # a space would be copied with the code
    ("1234567890123456", (), MessageTooLong),  # Meta's codes are at most 15 characters
    ("042917", ("sudah",), InvalidMessage),  # the copy-code button is the template's only button
])
def test_copy_code_meta_would_refuse_is_refused(code, quick_replies, exc):
    """A code with a space, a code too long, or a copy-code button beside quick replies is refused by name."""
    msg = Template("tumbuh_kode_masuk", "id", body_params=("042917",), quick_replies=quick_replies, copy_code=code)

    assert refused_field(msg, exc) == "copy_code"


# --- Images -------------------------------------------------------------------------------------------------------

def test_image_is_sent_by_media_id_with_caption():
    """An image refers to its uploaded media id and carries the caption."""
    body = build_message(TO, Image("1234567890", caption="Grafik TB/U Ani 📈"))

    assert body["type"] == "image"
    assert body["image"] == {"id": "1234567890", "caption": "Grafik TB/U Ani 📈"}


def test_image_without_media_id_is_refused():
    """An image must be uploaded before it is sent."""
    assert refused_field(Image("")) == "media_id"


def test_image_caption_of_1024_is_accepted_and_1025_refused():
    """Image captions are capped at 1024."""
    assert build_message(TO, Image("1", caption="c" * 1024))
    assert refused_field(Image("1", caption="c" * 1025), MessageTooLong) == "caption"


def test_a_chart_heads_a_built_buttons_message_by_its_media_id():
    """A result's advice is built when its turn is queued; its chart, uploaded later, becomes the image header."""
    advice = Buttons("Saran untuk Ani", (Button("chart:wfa:1", "Grafik BB/U"),))
    body = build_message(TO, advice)

    headed = with_image_header(body, "1234567890")

    assert headed == build_message(TO, Buttons(advice.body, advice.buttons, image_id="1234567890"))
    assert "header" not in body["interactive"]  # the queued body itself is left as it was


def test_only_a_buttons_message_takes_an_image_header():
    """Meta heads reply-button messages with an image; a text cannot carry one."""
    with pytest.raises(InvalidMessage):
        with_image_header(build_message(TO, Text("Halo")), "1")
    assert not is_buttons(build_message(TO, Text("Halo")))


def test_png_and_jpeg_are_recognised_by_their_bytes():
    """The MIME type comes from the magic bytes, not the file name."""
    assert (image_mime(PNG), image_mime(JPEG)) == ("image/png", "image/jpeg")


def test_gif_is_refused():
    """Meta takes only PNG and JPEG images."""
    with pytest.raises(InvalidMessage):
        image_mime(b"GIF89a" + b"\x00" * 16)


def test_image_of_5_mb_is_accepted_and_one_byte_more_refused():
    """Images are capped at 5 MB (5 × 1024 × 1024 bytes)."""
    assert image_mime(PNG + b"\x00" * (IMAGE_MAX_BYTES - len(PNG))) == "image/png"
    with pytest.raises(MessageTooLong):
        image_mime(PNG + b"\x00" * (IMAGE_MAX_BYTES - len(PNG) + 1))


# --- Error classes ------------------------------------------------------------------------------------------------

def test_invalid_message_is_both_a_value_error_and_permanent():
    """Builder refusals are ValueErrors for callers and PermanentErrors for entry points, with Meta's code 100."""
    with pytest.raises(InvalidMessage) as info:
        build_message(TO, Text(""))

    assert isinstance(info.value, ValueError) and isinstance(info.value, PermanentError)
    assert info.value.code == 100


@pytest.mark.parametrize("status, code, cls, transient", [
    (400, 131047, e.OutsideWindow, False),
    (400, 131026, e.Unreachable, False),
    (429, 130429, e.RateLimited, True),
    (429, 131056, e.RateLimited, True),
    (400, 131057, e.RateLimited, True),
    (400, 80007, e.RateLimited, True),
    (400, 131048, e.SpamLimited, False),
    (400, 131049, e.SpamLimited, False),
    (401, 190, e.AuthFailed, False),
    (400, 100, e.InvalidMessage, False),
    (400, 132000, e.TemplateError, False),
    (404, 132001, e.TemplateError, False),
    (400, 132012, e.TemplateError, False),
    (500, 131000, e.WhatsAppTransient, True),
    (503, None, e.WhatsAppTransient, True),
    (400, 131030, e.WhatsAppPermanent, False),
    (403, None, e.WhatsAppPermanent, False),
])
def test_meta_error_codes_map_to_typed_errors(status, code, cls, transient):
    """Each Meta code (or bare HTTP status) becomes its class, transient or permanent, carrying the code."""
    error = {"message": "x", "type": "OAuthException", "code": code} if code else None

    exc = e.error_for(status, error)

    assert type(exc) is cls
    assert isinstance(exc, TransientError if transient else PermanentError)
    assert (exc.code, exc.http_status) == (code, status)


def test_rate_limit_suggests_a_delay_and_prefers_retry_after():
    """Pair rate limits suggest 6 s; a Retry-After header wins when Meta sends one."""
    error = {"message": "pair rate limit hit", "code": 131056}

    assert e.error_for(429, error).retry_after_s == 6.0
    assert e.error_for(429, error, retry_after_s=30).retry_after_s == 30
