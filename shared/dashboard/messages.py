"""The dashboard's words: every label and sentence of its pages, Bahasa Indonesia first, English second. Findings
and categories come from the chat's catalogue (shared.flows.messages), so a child is described the same way in
both places. No logic but formatting."""
from __future__ import annotations

from shared.flows import messages as chat

LANGUAGES = ("id", "en")
DEFAULT = "id"

ID: dict[str, str] = {
    "app_name": "Tumbuh",
    "app_tagline": "Dasbor pemantauan pertumbuhan anak untuk kader, bidan dan puskesmas",
    "nav_today": "Hari ini",
    "nav_children": "Anak",
    "nav_posyandu": "Posyandu",
    "nav_export": "Ekspor",
    "sign_out": "Keluar",
    "language": "Bahasa",
    "language_switch": "English",
    "sign_in_title": "Masuk",
    "sign_in_number": "Nomor WhatsApp Anda",
    "sign_in_number_hint": "Contoh: 0812 3456 7890. Kode masuk dikirim ke WhatsApp nomor ini.",
    "sign_in_send": "Kirim kode",
    "sign_in_code": "Kode dari WhatsApp",
    "sign_in_code_hint": "6 angka, berlaku 10 menit.",
    "sign_in_go": "Masuk",
    "sign_in_other_number": "Pakai nomor lain",
    "outcome_code_sent": "Jika nomor ini terdaftar sebagai petugas, kode masuk sudah dikirim lewat WhatsApp.",
    "outcome_bad_number": "Nomor itu belum bisa dibaca. Tulis nomor WhatsApp Anda, misalnya 0812 3456 7890.",
    "outcome_bad_code": "Kode salah atau sudah tidak berlaku. Periksa pesan WhatsApp terakhir, atau minta kode baru.",
    "outcome_too_many": "Terlalu banyak percobaan. Tunggu 15 menit, lalu coba lagi.",
    "today_title": "Perlu tindakan hari ini",
    "today_summary": "{count} anak perlu ditindaklanjuti di wilayah Anda.",
    "today_none": "Tidak ada anak yang perlu ditindaklanjuti saat ini. 🎉",
    "today_more": "Hanya {limit} anak pertama yang ditampilkan.",
    "tier_now": "Segera: tanda bahaya",
    "tier_today": "Hari ini: rujuk ke puskesmas",
    "tier_soon": "Segera dalam minggu ini",
    "age_months": "{months} bln",
    "last_measured": "Diukur {date}",
    "weight_kg": "BB {kg} kg",
    "height_cm": "PB/TB {cm} cm",
    "call": "Telepon",
    "whatsapp": "WhatsApp",
    "no_number": "Nomor orang tua belum ada",
    "open_child": "Lihat anak",
    "children_title": "Cari anak",
    "children_search": "Nama anak",
    "children_go": "Cari",
    "children_hint": "Tulis minimal 2 huruf nama anak.",
    "children_none": "Tidak ada anak dengan nama itu di wilayah Anda.",
    "child_born": "Lahir {date}",
    "child_sex_M": "Laki-laki",
    "child_sex_F": "Perempuan",
    "child_measurements": "Hasil ukur",
    "child_no_measurements": "Belum ada hasil ukur.",
    "col_date": "Tanggal",
    "col_weight": "BB (kg)",
    "col_height": "PB/TB (cm)",
    "col_status": "Status",
    "child_messages": "Pesan yang dikirim",
    "child_no_messages": "Belum ada pesan tercatat.",
    "col_categories": "Kategori",
    "review_remeasure": "Perlu diukur ulang: angka tidak biasa, belum dinilai",
    "review_superseded": "Diganti hasil ukur ulang",
    "child_charts": "Grafik pertumbuhan",
    "child_no_charts": "Grafik belum bisa dibuat: belum ada hasil ukur yang bisa digambar.",
    "chart_alt": "Grafik pertumbuhan {name}: {title}, garis WHO dan titik hasil ukur",
    "message_when": "{date}, pukul {time}",
    "msg_kind_reply": "Balasan di chat",
    "msg_kind_result": "Hasil pengukuran",
    "msg_kind_result_template": "Pemberitahuan hasil pengukuran",
    "msg_kind_chart": "Grafik pertumbuhan",
    "msg_kind_claim": "Pertanyaan konfirmasi data anak",
    "msg_kind_reminder": "Pengingat",
    "msg_kind_staff_notice": "Pemberitahuan untuk petugas",
    "msg_kind_other": "Pesan",
    "msg_status_sent": "terkirim",
    "msg_status_delivered": "diterima",
    "msg_status_read": "dibaca",
    "msg_status_failed": "gagal terkirim",
    "msg_status_other": "status tidak diketahui",
    "error_title": "Maaf",
    "error_not_found": "Halaman ini tidak ada, atau anak ini di luar wilayah Anda.",
    "error_csrf": "Formulir ini sudah kedaluwarsa. Muat ulang halaman, lalu kirim lagi.",
    "error_too_large": "Isian terlalu panjang.",
    "back_home": "Kembali ke halaman utama",
    "offline_note": "Anda sedang luring: ini salinan terakhir halaman.",
}

EN: dict[str, str] = {
    "app_name": "Tumbuh",
    "app_tagline": "Child growth monitoring dashboard for kader, midwives and health centres",
    "nav_today": "Today",
    "nav_children": "Children",
    "nav_posyandu": "Posyandu",
    "nav_export": "Export",
    "sign_out": "Sign out",
    "language": "Language",
    "language_switch": "Bahasa Indonesia",
    "sign_in_title": "Sign in",
    "sign_in_number": "Your WhatsApp number",
    "sign_in_number_hint": "For example 0812 3456 7890. The sign-in code is sent to this number on WhatsApp.",
    "sign_in_send": "Send code",
    "sign_in_code": "Code from WhatsApp",
    "sign_in_code_hint": "6 digits, valid for 10 minutes.",
    "sign_in_go": "Sign in",
    "sign_in_other_number": "Use another number",
    "outcome_code_sent": "If this number is registered as staff, a sign-in code has been sent on WhatsApp.",
    "outcome_bad_number": "That number could not be read. Write your WhatsApp number, for example 0812 3456 7890.",
    "outcome_bad_code": "The code is wrong or no longer valid. Check the latest WhatsApp message, or ask for a new code.",
    "outcome_too_many": "Too many attempts. Wait 15 minutes, then try again.",
    "today_title": "Needing action today",
    "today_summary": "{count} children in your area need follow-up.",
    "today_none": "No child needs follow-up right now. 🎉",
    "today_more": "Only the first {limit} children are shown.",
    "tier_now": "Urgent: danger signs",
    "tier_today": "Today: refer to the health centre",
    "tier_soon": "Soon, within this week",
    "age_months": "{months} mo",
    "last_measured": "Measured {date}",
    "weight_kg": "Weight {kg} kg",
    "height_cm": "Length/height {cm} cm",
    "call": "Call",
    "whatsapp": "WhatsApp",
    "no_number": "No parent number yet",
    "open_child": "Open child",
    "children_title": "Find a child",
    "children_search": "Child's name",
    "children_go": "Search",
    "children_hint": "Type at least 2 letters of the child's name.",
    "children_none": "No child with that name in your area.",
    "child_born": "Born {date}",
    "child_sex_M": "Boy",
    "child_sex_F": "Girl",
    "child_measurements": "Measurements",
    "child_no_measurements": "No measurement yet.",
    "col_date": "Date",
    "col_weight": "Weight (kg)",
    "col_height": "Length/height (cm)",
    "col_status": "Status",
    "child_messages": "Messages sent",
    "child_no_messages": "No message recorded yet.",
    "col_categories": "Categories",
    "review_remeasure": "Needs re-measuring: unusual value, not assessed yet",
    "review_superseded": "Replaced by a re-measurement",
    "child_charts": "Growth charts",
    "child_no_charts": "No chart yet: there is no measurement that can be drawn.",
    "chart_alt": "Growth chart of {name}: {title}, WHO lines and the measured points",
    "message_when": "{date}, {time}",
    "msg_kind_reply": "Chat reply",
    "msg_kind_result": "Measurement result",
    "msg_kind_result_template": "Measurement result notice",
    "msg_kind_chart": "Growth chart",
    "msg_kind_claim": "Question confirming a child's record",
    "msg_kind_reminder": "Reminder",
    "msg_kind_staff_notice": "Notice to staff",
    "msg_kind_other": "Message",
    "msg_status_sent": "sent",
    "msg_status_delivered": "delivered",
    "msg_status_read": "read",
    "msg_status_failed": "failed",
    "msg_status_other": "status unknown",
    "error_title": "Sorry",
    "error_not_found": "This page does not exist, or this child is outside your area.",
    "error_csrf": "This form has expired. Reload the page, then send it again.",
    "error_too_large": "The entry is too long.",
    "back_home": "Back to the main page",
    "offline_note": "You are offline: this is the last copy of the page.",
}

MESSAGES = {"id": ID, "en": EN}


def extend(words: dict[str, dict[str, str]]) -> None:
    """Add a page module's own catalogue ({"id": {...}, "en": {...}}, the same keys in both); a key may be
    defined once only."""
    if set(words["id"]) != set(words["en"]):
        raise ValueError(f"catalogue keys differ between id and en: {sorted(set(words['id']) ^ set(words['en']))}")
    taken = set(words["id"]) & set(ID)
    if taken:
        raise ValueError(f"catalogue keys defined twice: {sorted(taken)}")
    ID.update(words["id"])
    EN.update(words["en"])


def text(key: str, lang: str = DEFAULT, **params) -> str:
    """A page's words; keys starting with "chat:" come from the chat's catalogue (findings, categories)."""
    if key.startswith("chat:"):
        return chat.render(key[5:], lang, **params)
    table = MESSAGES.get(lang, ID)
    template = table.get(key) or ID[key]
    return template.format(**{k: chat.fmt(v, lang) for k, v in params.items()}) if params else template
