"""The message catalogue: every word Tumbuh says, Bahasa Indonesia first, English second. No logic but formatting.

Advice here is reviewed text, never a diagnosis; it always points to posyandu or puskesmas when a child is at
risk. Button titles stay within Meta's 20 characters and list rows within 24 (a test checks every one).
"""
from __future__ import annotations

from datetime import date

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}

ID: dict[str, str] = {
    # --- first contact and consent (UU 27/2022 PDP) ---
    "welcome_consent": (
        "Halo! 👋 Saya *Tumbuh*, teman Bunda/Ayah memantau pertumbuhan si kecil.\n\n"
        "Kirim jenis kelamin, tanggal lahir, berat dan panjang/tinggi badan anak. Tumbuh menghitung status gizinya "
        "dengan standar WHO dan Permenkes No. 2 Tahun 2020, menjelaskan artinya, dan mengingatkan jadwal "
        "timbang berikutnya.\n\n"
        "*Persetujuan data* (UU No. 27 Tahun 2022): untuk itu Tumbuh menyimpan nomor WhatsApp Anda serta nama, "
        "tanggal lahir dan hasil ukur anak. Data hanya dipakai untuk pemantauan pertumbuhan dan dapat dibagikan "
        "ke kader posyandu/puskesmas Anda. Anda bisa melihat data Anda (ketik DATA SAYA), membetulkannya (UBAH "
        "DATA), berhenti kapan saja (STOP) atau menghapus semua data (HAPUS).\n\nApakah Anda setuju?"
    ),
    "consent_thanks": "Terima kasih, Bunda/Ayah. 🙏 Data akan dijaga baik-baik.",
    "consent_question_kept": (
        "Pesan Anda sudah Tumbuh terima. Setelah Anda setuju, Tumbuh langsung menjawabnya (tanpa persetujuan, "
        "pesan itu tidak disimpan)."
    ),
    "kader_not_registered": (
        "Nomor ini belum terdaftar sebagai kader. Kader didaftarkan oleh puskesmas: minta bidan desa atau petugas "
        "gizi puskesmas Anda mendaftarkan nomor WhatsApp ini ke posyandu Anda, lalu kirim *Halo* lagi. Sementara "
        "itu, Tumbuh bisa dipakai sebagai orang tua:"
    ),
    # A greeting answered in kind, before the rest of the reply.
    "greet_salam": "Waalaikumsalam 🙏",
    "greet_pagi": "Selamat pagi! 🌤️",
    "greet_siang": "Selamat siang! ☀️",
    "greet_sore": "Selamat sore! 🌇",
    "greet_malam": "Selamat malam! 🌙",
    "consent_declined": (
        "Baik, tidak apa-apa. Tumbuh tidak menyimpan data apa pun. Kalau berubah pikiran, kirim saja *Halo*."
    ),
    "language_set": "Baik, Tumbuh akan memakai Bahasa Indonesia.",
    "ask_language": "Pilih bahasa:",
    # --- menu ---
    "menu": "Apa yang ingin dilakukan? Pilih dari menu, atau langsung kirim data anak, misalnya:\n_{example}_",
    # Examples are healthy children of today's age (shared/flows/examples.py), so trying one never alarms.
    "example_young": "cewek lahir {birth_date} bb {weight_kg} pb {lenhei_cm}",
    "example_older": "cowok lahir {birth_date} bb {weight_kg} tb {lenhei_cm}",
    "menu_button": "Menu",
    "menu_measure": "Cek pertumbuhan",
    "menu_measure_desc": "Hitung status gizi dari BB dan TB",
    "menu_children": "Anak saya",
    "menu_children_desc": "Daftar anak yang tercatat",
    "menu_history": "Riwayat",
    "menu_history_desc": "Hasil ukur sebelumnya",
    "menu_reminders": "Pengingat",
    "menu_reminders_desc": "Jadwal timbang berikutnya",
    "menu_help": "Bantuan",
    "menu_help_desc": "Cara memakai Tumbuh",
    "menu_language": "Bahasa / Language",
    "menu_language_desc": "Indonesia atau English",
    "help": (
        "*Cara memakai Tumbuh*\n"
        "• Kirim data anak dalam satu pesan: _{example}_\n"
        "• Atau pilih *Cek pertumbuhan* di menu dan jawab pertanyaannya.\n"
        "• Angka boleh pakai koma atau titik (12,5 atau 12.5).\n\n"
        "Kata yang bisa dipakai kapan saja:\n"
        "MENU – kembali ke menu · BATAL – batalkan · BANTUAN – bantuan ini · BAHASA – ganti bahasa\n"
        "STOP – berhenti terima pengingat · MULAI – terima pengingat lagi · HAPUS – hapus semua data\n"
        "DATA SAYA – lihat data Anda · UBAH DATA – betulkan nama, jenis kelamin atau tanggal lahir anak"
    ),
    "cancelled": "Baik, dibatalkan.",
    "session_expired": "Percakapan sebelumnya sudah lama, jadi kita mulai dari awal ya.",
    "not_understood": "Maaf, Tumbuh belum mengerti pesan itu. Ketik BANTUAN untuk contoh cara menulis.",
    "no_children": "Belum ada anak yang tercatat. Pilih *Cek pertumbuhan* untuk mencatat anak pertama.",
    "children_list": "Anak yang tercatat:\n{lines}",
    "children_line": "• {name} ({sex}), lahir {birth_date}, umur {age}",
    # --- choices (button titles ≤ 20, list rows ≤ 24) ---
    "choice_agree": "Setuju",
    "choice_disagree": "Tidak setuju",
    "choice_english": "English",
    "choice_indonesian": "Bahasa Indonesia",
    "choice_yes": "Ya",
    "choice_no": "Tidak",
    "choice_boy": "Laki-laki",
    "choice_girl": "Perempuan",
    "choice_today": "Hari ini",
    "choice_skip": "Lewati",
    "choice_lying": "Berbaring",
    "choice_standing": "Berdiri",
    "choice_child": "{name}",
    "choice_new_child": "Anak baru",
    "choice_delete_yes": "Ya, hapus semua",
    "choice_delete_no": "Tidak jadi",
    "choice_measure_again": "Ukur lagi",
    "choice_other_child": "Anak lain",
    "choice_menu": "Menu",
    # --- measuring ---
    "ask_which_child": "Anak yang mana?",
    "ask_child_name": "Siapa nama anak? (boleh nama panggilan)",
    "ask_sex": "Jenis kelamin anak?",
    "ask_birth_date": "Tanggal lahir anak? Contoh: 3-1-2024 atau 3 Januari 2024",
    "ask_posyandu": "Anak biasa ditimbang di posyandu mana? Ketik nama posyandunya, atau pilih *Lewati*.",
    "posyandu_unknown": "Posyandu \"{query}\" belum terdaftar di Tumbuh. Coba ketik namanya saja (misalnya "
                        "Melati), atau pilih *Lewati*.",
    "ask_measured_on": "Kapan anak ditimbang/diukur? Pilih *Hari ini* atau ketik tanggalnya.",
    "ask_weight": "Berapa berat badan anak (kg)? Contoh: 9,1",
    "ask_lenhei": "Berapa panjang/tinggi badan anak (cm)? Contoh: 76,5",
    "ask_measure": "Anak diukur berbaring atau berdiri? {usual_text}",
    "ask_headc": "Lingkar kepala (cm)? Kalau tidak diukur, pilih *Lewati*.",
    "ask_armc": "Lingkar lengan atas/LILA (cm)? Kalau tidak diukur, pilih *Lewati*.",
    "ask_oedema": "Tekan punggung kedua kaki anak dengan jempol selama 3 detik. Apakah *kedua punggung kaki bengkak, "
                  "dan bila ditekan jempol 3 detik meninggalkan cekungan* (edema)?",
    "ask_previous_on": "Kapan berat {weight_kg} kg itu ditimbang? Ketik tanggalnya, misalnya 5-10-2026, atau pilih "
                       "*Tidak ingat*.",
    "previous_not_before": "Tanggal itu harus sebelum tanggal ukur yang sekarang. Coba periksa lagi, ya.",
    "choice_forgot": "Tidak ingat",
    # --- an age given instead of the birth date (WHO Anthro: age in months); the result is then approximate ---
    "ask_birth_kia": (
        "Umur {age} sudah dicatat. Tanggal lahir anak ada di *Buku KIA* (halaman identitas anak); dengan tanggal "
        "lahir hasilnya lebih tepat. Kalau ada, ketik tanggalnya, misalnya 3-1-2024. Kalau tidak, pilih *Tidak tahu "
        "tanggal* dan Tumbuh menghitung dengan umur tadi (hasilnya perkiraan)."
    ),
    "choice_date_unknown": "Tidak tahu tanggal",
    "stuck_birth_kia": (
        "Yang sudah terbaca tetap disimpan. Ketik tanggal lahir dari Buku KIA, misalnya *3-1-2024*, atau pilih "
        "*Tidak tahu tanggal* untuk memakai umur {age}."
    ),
    "ask_age_now": (
        "Tanggal lahir {name} belum tercatat. Berapa umur {name} sekarang? Tulis dalam bulan, misalnya *15*, atau "
        "seperti *1 th 3 bln*."
    ),
    "stuck_age_now": (
        "Yang sudah terbaca tetap disimpan. Tinggal umur anak hari ini: angka bulannya saja, misalnya *15*, atau "
        "*1 th 3 bln*. Dengan tanggal lahir (ada di Buku KIA) hasilnya lebih tepat: kirim lewat UBAH DATA."
    ),
    "invalid_age": "Umurnya belum terbaca. Tulis seperti *15 bulan* atau *1 th 3 bln*.",
    "stuck_birth_date_or_age": (
        "Yang sudah terbaca tetap disimpan. Tinggal tanggal lahir anak, misalnya *3-1-2024*; tanggalnya ada di Buku "
        "KIA (halaman identitas anak). Kalau tidak tahu tanggalnya, tulis umurnya, misalnya *1 th 3 bln* atau "
        "*15 bulan*."
    ),
    "age_approx": "±{age} (perkiraan)",
    "approximate_age_note": (
        "Hasil ini *perkiraan*: umur {name} dihitung dari umur yang ditulis, bukan dari tanggal lahir. Supaya tepat, "
        "lihat tanggal lahir di Buku KIA (halaman identitas anak), lalu kirim lewat *UBAH DATA*; semua hasil "
        "{name} dihitung ulang."
    ),
    "birth_date_unknown": "(tanggal tidak diketahui)",
    "born_unknown_short": "tgl lahir ?",
    "age_unknown": "belum diketahui (kirim tanggal lahir lewat UBAH DATA)",
    "child_label_born_unknown": "{name} (tgl lahir ?)",
    "choice_not_measured": "Belum diukur",
    "weight_only_note": (
        "Panjang/tinggi badan belum diukur, jadi yang dihitung hanya berat menurut umur (BB/U). Untuk tahu apakah "
        "anak pendek (stunting), ukur panjang/tinggi badannya di posyandu."
    ),
    # --- a value that does not fit the child, asked about at once (before any other question) ---
    "check_weight": (
        "Berat {weight_kg} kg tidak biasa untuk anak umur {age}. Apakah angkanya sudah benar? Kalau salah ketik, "
        "kirim angka yang benar."
    ),
    "check_lenhei": (
        "Panjang/tinggi {lenhei_cm} cm tidak biasa untuk anak umur {age}{with_weight}. Apakah angkanya sudah benar? "
        "Kalau salah ketik, kirim angka yang benar."
    ),
    "check_with_weight": " dengan berat {weight_kg} kg",
    "choice_value_right": "Ya, sudah benar",
    # --- after three tries at one question: nothing is thrown away ---
    "stuck_generic": (
        "Yang sudah terbaca tetap disimpan. Jawab pertanyaan tadi dengan singkat, pilih tombol di bawah, atau "
        "ketik MENU untuk kembali ke menu."
    ),
    "stuck_name": "Yang sudah terbaca tetap disimpan. Tinggal nama anak, dengan huruf saja, misalnya *Ani*.",
    "stuck_sex": "Yang sudah terbaca tetap disimpan. Tinggal jenis kelamin: ketik *L* (laki-laki) atau *P* "
                 "(perempuan).",
    "stuck_birth_date": (
        "Yang sudah terbaca tetap disimpan. Tinggal tanggal lahir anak, misalnya *3-1-2024* atau *3 Januari 2024*; "
        "tanggalnya ada di Buku KIA (halaman identitas anak)."
    ),
    "stuck_measured_on": (
        "Yang sudah terbaca tetap disimpan. Tinggal tanggal anak ditimbang, misalnya *hari ini*, *kemarin* atau "
        "*25-11-2026*."
    ),
    "stuck_weight": (
        "Yang sudah terbaca tetap disimpan. Tinggal berat badan dalam kilogram, angkanya saja, misalnya *9,1* "
        "(bukan 9100 gram)."
    ),
    "stuck_lenhei": (
        "Yang sudah terbaca tetap disimpan. Tinggal panjang/tinggi badan dalam sentimeter, misalnya *76,5*. Kalau "
        "belum diukur, pilih *Belum diukur*: Tumbuh menghitung dari berat saja."
    ),
    "stuck_measure": "Yang sudah terbaca tetap disimpan. Tinggal cara mengukur: ketik *berbaring* atau *berdiri*.",
    "stuck_oedema": (
        "Yang sudah terbaca tetap disimpan. Tinggal satu pertanyaan: apakah kedua punggung kaki bengkak? Ketik "
        "*ya* atau *tidak*. Kalau ragu, tunjukkan kaki anak ke kader atau bidan."
    ),
    "choice_ask_kader": "Bantuan kader",
    "kader_can_help": (
        "Kader posyandu bisa membantu: mereka menimbang dan mengukur anak, dan tanggal lahir ada di Buku KIA. "
        "Yang sudah Anda kirim tetap tersimpan di sini selama sehari; lanjutkan kapan saja."
    ),
    "usual_lying": "Anak di bawah 2 tahun biasanya diukur berbaring (panjang badan).",
    "usual_standing": "Anak 2 tahun ke atas biasanya diukur berdiri (tinggi badan).",
    # --- what went wrong with an answer (parsers) ---
    "invalid_name": "Nama belum terbaca. Tulis nama anak dengan huruf, paling panjang {max} huruf.",
    "invalid_number": "Angkanya belum terbaca. Tulis angka saja, misalnya 9,1.",
    "number_out_of_range": "Angka {value} {unit} sepertinya tidak tepat. Biasanya antara {min} dan {max} {unit}. "
                           "Coba periksa lagi.",
    "ambiguous_number": "Ada lebih dari satu angka. Kirim satu angka saja, ya.",
    "invalid_date": "Tanggalnya belum terbaca. Tulis seperti 3-1-2024 atau 3 Januari 2024.",
    "impossible_date": "Tanggal itu tidak ada di kalender. Coba periksa lagi, ya.",
    "date_in_future": "Tanggal itu belum terjadi. Coba periksa lagi, ya.",
    "date_too_early": "Tanggal itu terlalu lama. Coba periksa lagi, ya.",
    "child_too_old": "Maaf, saat ini Tumbuh hanya bisa menghitung untuk anak di bawah 5 tahun. "
                     "Untuk anak yang lebih besar, silakan periksa ke puskesmas.",
    "measured_before_birth": "Tanggal ukur tidak boleh sebelum tanggal lahir anak.",
    "invalid_sex": "Jawab dengan *Laki-laki* atau *Perempuan* (boleh L atau P).",
    "invalid_yes_no": "Jawab dengan *Ya* atau *Tidak*.",
    "invalid_measure": "Jawab dengan *Berbaring* atau *Berdiri*.",
    "invalid_choice": "Pilih salah satu pilihan di atas, atau ketik nomornya.",
    "wrong_unit": "Yang ditanya dalam {unit}, tapi yang ditulis {given}. Coba kirim lagi dalam {unit}, ya.",
    "incomplete_date": "Tanggalnya belum lengkap. Tulis tanggal, bulan dan tahun, misalnya 3-1-2024.",
    "ambiguous_date": "Ada dua tanggal berbeda ({first} dan {second}). Kirim satu tanggal saja, ya.",
    "conflicting_values": "Ada dua nilai berbeda untuk {field} ({first} dan {second}), jadi akan ditanyakan lagi.",
    "field_name": "nama",
    "field_sex": "jenis kelamin",
    "field_birth_date": "tanggal lahir",
    "field_weight_kg": "berat badan",
    "field_lenhei_cm": "panjang/tinggi badan",
    "field_measure": "cara ukur",
    "field_headc_cm": "lingkar kepala",
    "field_armc_cm": "lingkar lengan",
    "field_measured_on": "tanggal ukur",
    "field_age_months": "umur",
    "unit_months": "bulan",
    # --- kader mode ---
    "kader_menu": (
        "Halo Kader {name} 👋 Posyandu {posyandu}.\n"
        "Ketik satu baris per anak: nama, BB, PB/TB (dan cara ukur), misalnya _{example}_\n"
        "Anak baru: _{example_new}_\n"
        "Atau pilih:"
    ),
    "kader_finish_first": (
        "Pertanyaan untuk *{name}* belum dijawab, jadi baris itu belum dicatat. Jawab dulu pertanyaan ini, lalu "
        "kirim lagi baris anak berikutnya."
    ),
    "kader_help": (
        "*Cara memakai Tumbuh untuk kader*\n"
        "• *Satu baris per anak*: nama (sebagian nama juga boleh), BB dalam kg, PB/TB dalam cm, dan cara ukur "
        "(telentang atau berdiri), misalnya _{example}_. Boleh juga _bb 9,8 tb 76_ atau _9.8kg 76cm_. Tambahkan "
        "_tidak bengkak_ agar pertanyaan edema dilewati, dan _lila 13_ bila LILA diukur.\n"
        "• *Anak baru* dalam satu baris: _{example_new}_ (nama, L/P, tanggal lahir, BB, PB/TB, lalu nomor WhatsApp "
        "orang tua setelah _ortu_). Orang tua ditanya dulu apakah ini anaknya, dan menerima hasilnya setelah setuju.\n"
        "• Yang tidak ada di baris itu ditanyakan; hasilnya satu pesan singkat.\n"
        "• Atau ketik nama anak saja, atau pilih *Ukur anak*, lalu jawab pertanyaannya satu per satu.\n"
        "• *REKAP*: daftar anak yang diukur hari ini, yang perlu dirujuk, dan orang tua yang belum menerima hasil.\n"
        "• *Perlu dicek*: anak yang perlu diukur ulang atau dirujuk ke puskesmas.\n"
        "• Angka boleh pakai koma atau titik (9,8 atau 9.8).\n"
        "• BATAL menghentikan pengukuran yang sedang berjalan; BAHASA mengganti bahasa."
    ),
    "kader_ask_child": "Ketik nama anak yang diukur (sebagian nama juga boleh), atau pilih *Anak baru*.",
    "kader_no_match": "Tidak ada anak bernama \"{query}\" di posyandu ini. Coba ejaan lain, atau pilih *Anak baru*.",
    "kader_ask_parent_phone": "Nomor WhatsApp orang tua? (misalnya 0812 3456 7890) Orang tua ditanya dulu apakah "
                              "ini anaknya. Kalau tidak ada, pilih *Lewati*.",
    "invalid_phone": "Nomor belum terbaca. Tulis nomor HP Indonesia, misalnya 0812 3456 7890.",
    "kader_saved": "✅ Tercatat oleh kader untuk posyandu.",
    "kader_parent_notified": "📨 Hasil juga dikirim ke orang tua.",
    "kader_parent_opted_out": (
        "🔕 Orang tua sudah meminta STOP: Tumbuh tidak mengirim hasil ini kepada mereka. Sampaikan langsung, ya."
    ),
    "kader_parent_unreachable": (
        "⚠️ Nomor WhatsApp orang tua tidak bisa dihubungi: hasil ini tidak terkirim. Sampaikan langsung, ya."
    ),
    "kader_only": "Fitur ini untuk orang tua. Sebagai kader, ketik MENU untuk mengukur anak.",
    "choice_kader_measure": "Ukur anak",
    "choice_kader_review": "Perlu dicek",
    "choice_kader_review_desc": "Angka tidak biasa yang perlu dicek",
    "choice_kader_measure_desc": "Timbang dan ukur anak posyandu",
    "review_none": "Tidak ada hasil ukur yang perlu dicek di posyandu ini. 👍",
    "review_header": "🔎 *Perlu dicek* (angka di luar batas wajar, {days} hari terakhir):",
    "review_line": "• {name} (lahir {birth_date}), diukur {measured_on}: {state}",
    "review_remeasure": "belum diukur ulang, mohon ukur ulang",
    "review_confirmed": "sudah diukur ulang dan sama, keluarga diminta ke puskesmas",
    # --- posyandu day: one line a child, its short result, and the day's recap (REKAP) ---
    "kader_example_line": "Fajar {weight_kg} {lenhei_cm} telentang",
    "kader_example_new": "baru: Lestari P {birth_date} {weight_kg} {lenhei_cm} ortu 0812…",
    "kader_confirm_child": "Betul *{child}*?",
    "kader_line_result": "✅ *{name}* ({born}), {age}\nBB {weight_kg} kg, {lenhei_label} {lenhei_cm} cm{gain}\n"
                         "{categories}\nStatus: *{status}*",
    "kader_line_head": "*{name}* ({born}), {age}\nBB {weight_kg} kg, {lenhei_label} {lenhei_cm} cm",
    "kader_category": "{indicator} {category}",
    "kader_ind_wfa": "BB/U",
    "kader_ind_lfa_pb": "PB/U",
    "kader_ind_lfa_tb": "TB/U",
    "kader_ind_wfl_pb": "BB/PB",
    "kader_ind_wfl_tb": "BB/TB",
    "kader_ind_bfa": "IMT/U",
    "kader_ind_hcfa": "LK/U",
    "kader_urgent_now": "🚨 *Rujuk SEKARANG*: {name} perlu ke IGD rumah sakit atau puskesmas sekarang, karena "
                        "{reason}.",
    "kader_urgent_today": "🚑 *Rujuk hari ini*: {name} perlu ke puskesmas hari ini juga, karena {reason}.",
    "kader_urgent_soon": "🩺 *Dalam minggu ini*: {name} perlu diperiksa di puskesmas atau bidan, karena {reason}.",
    "kader_parent_template": (
        "📨 Orang tua tidak menulis ke Tumbuh dalam 24 jam terakhir: hasilnya dikirim sebagai pesan singkat "
        "(template)."
    ),
    "kader_parent_not_linked": (
        "📵 Belum ada orang tua yang terhubung (nomor belum dicatat, atau belum dibenarkan orang tua): sampaikan "
        "hasilnya langsung, ya."
    ),
    "kader_line_next": "Berikutnya? Ketik anak berikutnya dalam satu baris.",
    "kader_line_registered_already": "ℹ️ {name} ({born}) sudah terdaftar di posyandu ini: hasil dicatat untuk "
                                     "anak itu.",
    "kader_line_ambiguous": (
        "Ada {count} angka tanpa keterangan, jadi BB dan PB/TB ditanyakan satu per satu. Tulis BB dulu lalu PB/TB, "
        "misalnya 9,8 76."
    ),
    "kader_line_unread": "Angka {value} tidak dipakai: bukan BB atau PB/TB.",
    "kader_line_today_only": "Satu baris dicatat untuk hari ini. Untuk tanggal lain, pilih *Ukur anak*.",
    "kader_line_number_new_only": (
        "Nomor orang tua dari satu baris hanya dicatat untuk anak baru (_baru: …_); nomor itu tidak dicatat."
    ),
    "choice_kader_recap": "Rekap hari ini",
    "choice_kader_recap_desc": "Anak yang diukur hari ini dan yang perlu dirujuk",
    "recap_none": "Belum ada anak yang diukur hari ini di Posyandu {posyandu}.",
    "recap_header": "📋 *Rekap hari ini* — Posyandu {posyandu}, {today}\nDiukur {count} anak; {risk} perlu "
                    "perhatian.",
    "recap_risk_header": "*Perlu perhatian* (paling mendesak dulu):",
    "recap_line": "• {name} ({born}): *{status}*{when}",
    "recap_when_now": " — 🚨 ke IGD/puskesmas sekarang",
    "recap_when_today": " — 🚑 ke puskesmas hari ini",
    "recap_when_soon": " — 🩺 ke puskesmas/bidan minggu ini",
    "recap_remeasure": "angka tidak biasa, perlu diukur ulang",
    "recap_others": "*Lainnya*: {names}",
    "recap_name_status": "{name} ({status})",
    "recap_parent_header": "*Orang tua yang belum menerima hasil lengkap:*",
    "recap_parent_line": "• {name}: {why}",
    "recap_parent_no_number": "tidak ada nomor orang tua",
    "recap_parent_claim_pending": "orang tua belum membenarkan nomornya",
    "recap_parent_stopped": "orang tua minta STOP",
    "recap_parent_unreachable": "nomor WhatsApp orang tua tidak bisa dihubungi",
    "recap_parent_template": "di luar 24 jam, dikirim sebagai pesan singkat (template)",
    "recap_parent_not_sent": "hasil belum dikirim (orang tua terhubung setelah pengukuran)",
    "recap_parent_all_sent": "📨 Semua hasil sudah dikirim ke orang tua.",
    "recap_next": "Ketik anak berikutnya, atau pilih:",
    "choice_next_child": "Anak berikutnya",
    "choice_prompt_next": "Lanjut ke anak berikutnya?",
    "choice_chart_lfa": "📈 Grafik tinggi",
    "choice_chart_wfa": "📈 Grafik berat",
    "choice_chart_wfl": "📈 Grafik BB/TB",
    "caption_chart_image": "📈 Grafik pertumbuhan {name}",
    "no_chart_yet": "Maaf, grafik untuk {name} belum bisa dibuat dari data yang ada.",
    "sorry_no_chart_now": "Maaf, grafik {name} belum bisa dibuat sekarang. Coba lagi nanti, ya. 🙏",
    "parent_result_intro": "Kader posyandu baru saja mengukur {name}. Ini hasilnya:",
    # --- result ---
    "result_header": "📋 *Hasil {name}* — {age}\nDiukur {measured_on}: BB {weight_kg} kg, {lenhei_label} {lenhei_cm} cm",
    "age_ym": "{years} th {months} bln",
    "age_y": "{years} th",
    "age_m": "{months} bln",
    "lenhei_pb": "PB",
    "lenhei_tb": "TB",
    "result_line": "• {indicator}: *{category}*",
    "ind_wfa": "Berat menurut umur (BB/U)",
    "ind_lfa_pb": "Panjang menurut umur (PB/U)",
    "ind_lfa_tb": "Tinggi menurut umur (TB/U)",
    "ind_wfl_pb": "Berat menurut panjang (BB/PB)",
    "ind_wfl_tb": "Berat menurut tinggi (BB/TB)",
    "ind_bfa": "IMT menurut umur (IMT/U)",
    "cat_severely_underweight": "berat badan sangat kurang",
    "cat_underweight": "berat badan kurang",
    "cat_normal_wfa": "berat badan normal",
    "cat_risk_of_overweight": "risiko berat badan lebih",
    "cat_severely_stunted": "sangat pendek",
    "cat_stunted": "pendek",
    "cat_normal_lfa": "normal",
    "cat_tall": "tinggi",
    "cat_severely_wasted": "gizi buruk",
    "cat_wasted": "gizi kurang",
    "cat_normal_wfl": "gizi baik",
    "cat_possible_risk_of_overweight": "berisiko gizi lebih",
    "cat_overweight": "gizi lebih",
    "cat_obese": "obesitas",
    "gain_gained": "⚖️ Berat *naik* {gain_g} g sejak {previous_on} (minimal {required_g} g). Bagus!",
    "gain_same_month": "⚖️ Dibanding penimbangan {previous_on}: {change_g} g. Naik/tidak naik (N/T) dinilai dari "
                       "penimbangan bulanan.",
    "result_status": "Status: *{status}*",
    "ind_lila": "LILA {armc_cm} cm",
    "ind_hcfa": "Lingkar kepala menurut umur (LK/U)",
    "cat_not_assessed_oedema": "tidak dinilai karena ada edema",
    "cat_muac_severe": "gizi buruk",
    "cat_muac_moderate": "gizi kurang",
    "cat_muac_normal": "normal",
    "cat_head_severely_small": "sangat kecil",
    "cat_head_small": "kecil",
    "cat_normal_hc": "normal",
    "cat_head_large": "besar",
    "backdated_note": "ℹ️ Ini hasil ukur {measured_on}, lebih lama dari pengukuran terakhir ({latest_on}); "
                      "riwayat naik/tidak naik sudah diperbarui.",
    # --- the advice matrix (shared/domain/advice.py; docs/advice.md lists every situation) ---
    # status line, most urgent first
    "status_normal": "normal, sesuai standar",
    "status_danger_sign": "ada tanda bahaya",
    "status_oedema": "gizi buruk (edema)",
    "status_severely_wasted": "gizi buruk",
    "status_muac_severe": "gizi buruk menurut LILA",
    "status_confirmed_extreme": "angka tidak biasa (sudah diukur ulang)",
    "status_large_loss": "berat turun banyak",
    "status_wasted": "gizi kurang",
    "status_muac_moderate": "gizi kurang menurut LILA",
    "status_severely_stunted": "sangat pendek",
    "status_stunted": "pendek",
    "status_severely_underweight": "berat badan sangat kurang (BGM)",
    "status_underweight": "berat badan kurang",
    "status_two_t": "berat tidak naik 2 kali (2T)",
    "status_not_gained": "berat tidak naik (T)",
    "status_weight_down": "berat turun",
    "status_head_severely_small": "lingkar kepala sangat kecil",
    "status_head_small": "lingkar kepala kecil",
    "status_head_large": "lingkar kepala besar",
    "status_obese": "obesitas",
    "status_overweight": "gizi lebih",
    "status_possible_risk_of_overweight": "berisiko gizi lebih",
    "status_risk_of_overweight_unchecked": "risiko berat badan lebih",
    "status_risk_of_overweight": "risiko berat badan lebih",
    "status_tall": "tinggi",
    "status_illness": "sedang sakit",
    "status_food_refusal": "susah makan",
    "status_food_refusal_infant": "malas menyusu",
    # one sentence per finding
    "summary_good": "Pertumbuhan {name} sesuai standar. Pertahankan! 💚",
    "summary_good_weight_only": "Berat badan {name} sesuai umurnya. 💚",
    "summary_danger_sign": "Anda menyebut tanda bahaya pada {name}.",
    "summary_oedema": "Kedua kaki {name} bengkak (edema): ini tanda gizi buruk, berapa pun berat badannya.",
    "summary_severely_wasted": "{name} sangat kurus untuk panjang/tinggi badannya (gizi buruk).",
    "summary_muac_severe": "LILA {name} {armc_cm} cm, di bawah 11,5 cm: tanda gizi buruk, berapa pun berat "
                           "badannya.",
    "summary_confirmed_extreme": "Angka ini jauh dari biasanya untuk anak seumur {name} dan sudah diukur ulang. "
                                 "*Bila angka ini benar, bawa {name} ke puskesmas hari ini.*",
    "summary_large_loss": "⚖️ Berat *turun* {loss_g} g ({loss_pct}%) sejak {loss_from}.",
    "summary_wasted": "{name} kurus untuk panjang/tinggi badannya (gizi kurang).",
    "summary_muac_moderate": "LILA {name} {armc_cm} cm (11,5 sampai kurang dari 12,5 cm): tanda gizi kurang.",
    "summary_severely_stunted_under2": "{name} sangat pendek untuk umurnya (*stunting*). Makin cepat ditangani makin "
                                       "baik, terutama sebelum umur 2 tahun.",
    "summary_severely_stunted_over2": "{name} sangat pendek untuk umurnya (*stunting*). Pemeriksaan dan makan "
                                      "bergizi tetap membantu kesehatan dan tumbuh kembangnya.",
    "summary_stunted_under2": "{name} pendek untuk umurnya (*stunting*). Makin cepat ditangani makin baik, terutama "
                              "sebelum umur 2 tahun.",
    "summary_stunted_over2": "{name} pendek untuk umurnya (*stunting*). Pemeriksaan dan makan bergizi tetap "
                             "membantu kesehatan dan tumbuh kembangnya.",
    "summary_severely_underweight": "Berat {name} sangat kurang untuk umurnya: di bawah garis merah (BGM).",
    "summary_underweight": "Berat {name} kurang untuk umurnya.",
    "summary_two_t": "⚖️ Berat *tidak naik* cukup sejak {previous_on} ({gain_g} g, minimal {required_g} g), dan "
                     "bulan lalu juga tidak naik: *2T*.",
    "summary_not_gained": "⚖️ Berat *tidak naik* cukup sejak {previous_on}: {gain_g} g, padahal minimal "
                          "{required_g} g (T).",
    "summary_weight_down": "⚖️ Berat *turun* {loss_g} g ({loss_pct}%) sejak {loss_from}.",
    "summary_head_severely_small": "Lingkar kepala {name} jauh lebih kecil dari batas normal untuk umurnya.",
    "summary_head_small": "Lingkar kepala {name} lebih kecil dari batas normal untuk umurnya.",
    "summary_head_large": "Lingkar kepala {name} lebih besar dari batas normal untuk umurnya.",
    "summary_obese": "Berat {name} jauh di atas normal untuk panjang/tinggi badannya (obesitas).",
    "summary_overweight": "Berat {name} di atas normal untuk panjang/tinggi badannya (gizi lebih).",
    "summary_possible_risk_of_overweight": "Berat {name} sedikit di atas normal untuk panjang/tinggi badannya "
                                           "(berisiko gizi lebih).",
    "summary_risk_of_overweight_unchecked": "Berat {name} di atas garis oranye untuk umurnya (risiko berat badan "
                                            "lebih); perlu dipastikan dengan panjang/tinggi badannya.",
    "summary_risk_of_overweight": "Berat {name} di atas rata-rata untuk umurnya, tetapi sesuai untuk "
                                  "panjang/tinggi badannya.",
    "summary_tall": "{name} lebih tinggi dari hampir semua anak seumurnya. Biasanya ini sehat.",
    "summary_illness": "Anda menyebut {name} sedang sakit. 🤒 Saat sakit: tetap beri makan sedikit tapi sering dan banyak minum "
                       "(ASI bila masih menyusu), oralit bila diare. Ke puskesmas bila tidak membaik dalam 2 hari.",
    "summary_illness_infant": "Anda menyebut {name} sedang sakit. 🤒 Susui lebih sering, dan periksakan bayi ke "
                              "puskesmas.",
    "summary_food_refusal_infant": "Anda menyebut {name} malas menyusu. 🤱 Susui sesering mungkin; bayi yang tidak "
                                   "mau menyusu sama sekali punya tanda bahaya.",
    "summary_food_refusal": "Anda menyebut {name} susah makan (GTM). 🥄 Tawarkan sedikit tapi sering, jangan dipaksa, dan beri "
                            "makanan bergizi kesukaannya. Bila lebih dari seminggu atau berat turun, periksakan ke "
                            "puskesmas.",
    # how soon, and why
    "urgent_now": "🚨 *Bawa {name} ke IGD rumah sakit atau puskesmas SEKARANG*, karena {reason}.",
    "urgent_today": "🚑 *Hari ini juga bawa {name} ke puskesmas*, karena {reason}. Tunjukkan pesan ini kepada bidan "
                    "atau petugas gizi.",
    "urgent_soon": "🩺 *Dalam minggu ini periksakan {name} ke puskesmas atau bidan*, karena {reason}.",
    "danger_signs": "⚠️ *Tanda bahaya*: tidak mau minum/menyusu, muntah terus, kejang, sangat lemas atau tidak "
                    "sadar, sesak napas, diare dengan mata cekung. Bila ada satu saja, langsung ke IGD/puskesmas.",
    "danger_signs_infant": "⚠️ *Tanda bahaya*: tidak mau menyusu, muntah terus, kejang, sangat lemas atau tidak "
                           "sadar, sesak napas, diare dengan mata cekung, demam pada bayi di bawah 2 bulan. Bila ada "
                           "satu saja, langsung ke IGD/puskesmas.",
    # advice by finding and age
    "adv_sam_infant": "Bayi di bawah 6 bulan dengan gizi buruk biasanya perlu dirawat. Sambil berangkat, tetap "
                      "susui sesering mungkin.",
    "adv_sam": "Gizi buruk diobati petugas dengan makanan khusus. Sambil menunggu, tetap beri makan, minum, dan ASI bila "
               "masih menyusu.",
    "adv_breastfeeding_support": "🤱 Minta bantuan konselor menyusui di puskesmas: posisi dan pelekatan yang benar "
                                 "membuat ASI cukup. Susui lebih sering, siang dan malam.",
    "adv_energy_young": "➕ Agar berat naik: beri makan lebih sering, tambahkan sedikit minyak, santan atau mentega ke MP-ASI, "
                        "dan dahulukan lauk hewani.",
    "adv_energy_older": "➕ Agar berat naik: tambah 1–2 selingan padat gizi (telur, kacang, pisang) dan sedikit minyak atau "
                        "santan di masakan.",
    "adv_stunted": "📏 Untuk tinggi badan: lauk hewani setiap hari, air minum matang, cuci tangan pakai sabun, dan imunisasi "
                   "lengkap.",
    "adv_not_gained": "⚖️ Beri makan lebih sering dengan lauk hewani. Buku KIA menganjurkan anak yang beratnya tidak "
                      "naik diperiksa bidan.",
    "adv_head": "📐 Bawa Buku KIA: petugas akan mengukur ulang lingkar kepala dan menilai perkembangan {name}. Belum tentu "
                "masalah.",
    "adv_over_infant": "🤱 Bayi yang gemuk *tidak perlu diet*. Tetap beri ASI saja sesuai kemauan bayi; bidan akan "
                       "memantau beratnya.",
    "adv_over_young": "Anak di bawah 2 tahun *tidak perlu diet*. Hindari minuman manis, beri makan sesuai porsi "
                      "umurnya, dan ajak aktif bermain.",
    "adv_over_older": "🥗 Bukan diet: ganti minuman manis dengan air putih, kurangi camilan dan gorengan, perbanyak "
                      "sayur dan buah, dan ajak anak aktif bergerak setiap hari.",
    "adv_check_wfl": "📏 Ukur juga panjang/tinggi badan di posyandu, agar bisa dipastikan apakah beratnya sesuai.",
    "adv_tall": "Bila {name} tumbuh jauh lebih cepat dari biasanya atau ada tanda pubertas dini, periksakan ke "
                "puskesmas.",
    # feeding by age (PMBA)
    "feed_0_5": "🤱 Beri ASI saja sampai umur 6 bulan (ASI eksklusif), sesering bayi mau, siang dan malam, tanpa "
                "tambahan apa pun, termasuk air putih dan madu.",
    "feed_6_8": "🥣 Umur 6–8 bulan: lanjutkan ASI; MP-ASI lumat 2–3 kali sehari dan 1–2 selingan, mulai 2–3 sendok makan, "
                "dengan lauk hewani (telur, ikan, ayam, hati) setiap hari.",
    "feed_9_11": "🥣 Umur 9–11 bulan: lanjutkan ASI; MP-ASI cincang/lembik 3–4 kali sehari dan 1–2 selingan, sekitar ½ "
                 "mangkuk (250 ml), dengan lauk hewani setiap hari.",
    "feed_12_23": "🍽️ Umur 1–2 tahun: makanan keluarga 3–4 kali sehari dan 1–2 kali selingan, ¾–1 mangkuk, dengan "
                  "lauk hewani setiap hari; lanjutkan ASI sampai 2 tahun.",
    "feed_24_59": "🍽️ Makanan keluarga bergizi seimbang: 3 kali makan dan 2 kali selingan sehari, lauk hewani "
                  "(telur, ikan, ayam, daging) setiap hari, serta sayur dan buah.",
    "staff_notified": "Kader dan bidan posyandu sudah diberi tahu.",
    "concern_now": "🚨 *Bila anak kejang, tidak sadar, sesak napas, muntah terus, atau tidak mau minum/menyusu, bawa "
                   "ke IGD rumah sakit atau puskesmas SEKARANG.*",
    "concern_ack": "Terima kasih sudah bercerita. 🙏 Bila anak makin lemas atau tidak membaik dalam 2 hari, "
                   "periksakan ke puskesmas. Kirim tanggal lahir, berat dan panjang/tinggi anak agar Tumbuh bisa "
                   "memberi saran yang sesuai umurnya.",
    "danger_signs_any": "⚠️ *Tanda bahaya*: tidak mau minum/menyusu, muntah terus, kejang, sangat lemas atau tidak "
                        "sadar, sesak napas, diare dengan mata cekung, bayi di bawah 2 bulan demam. Bila ada satu "
                        "saja, langsung ke IGD/puskesmas.",
    "next_check": "📅 Timbang dan ukur lagi sekitar *{next_on}* di posyandu.",
    "next_check_overdue": "📅 Timbang dan ukur lagi secepatnya di posyandu: jadwalnya ({next_on}) sudah lewat.",
    "not_advice_note": "_Ini bukan diagnosis. Untuk kepastian, periksakan ke tenaga kesehatan._",
    "remeasure": "🔁 Angka ini sepertinya tidak biasa untuk anak seumur {name} ({detail}). Mohon ukur ulang dengan "
                 "hati-hati lalu kirim lagi. Bila hasilnya sama, Tumbuh memberi hasil dan sarannya.",
    "remeasure_standing_young": "anak di bawah 9 bulan sebaiknya diukur berbaring",
    "remeasure_flag": "{indicator} di luar batas wajar",
    "remeasure_weight_jump": "berat berubah {change} kg dari pengukuran sebelumnya",
    "remeasure_length_jump": "panjang/tinggi berubah {change} cm dari pengukuran sebelumnya",
    "staff_notice_extreme": "⚠️ *Perlu dicek hari ini*: {name} (lahir {birth_date}), Posyandu {posyandu}. Angka di "
                            "luar batas wajar sudah diukur ulang: {status}. Keluarga diminta ke puskesmas hari ini.",
    "outside_standard": "Maaf, Tumbuh saat ini hanya menghitung untuk anak di bawah 5 tahun.",
    # --- global words ---
    "confirm_stop": (
        "Berhenti menerima pesan dari Tumbuh yang tidak Anda minta (pengingat, dan hasil ukur yang dicatat kader)? "
        "Tumbuh tetap menjawab pesan yang Anda kirim, dan data anak tetap tersimpan."
    ),
    "stop_done": (
        "Baik, Tumbuh tidak akan mengirim pesan lagi kecuali menjawab pesan Anda; hasil ukur di posyandu "
        "disampaikan kader secara langsung. Ketik MULAI kapan saja untuk menerimanya lagi, atau HAPUS untuk "
        "menghapus semua data."
    ),
    "stop_nothing_stored": (
        "Baik. Nomor ini tidak tercatat di Tumbuh, jadi Tumbuh tidak akan mengirim apa pun kecuali Anda menulis."
    ),
    "start_done": "Pesan dari Tumbuh aktif kembali: pengingat dan hasil ukur dari kader. 👍",
    "confirm_delete": "⚠️ Hapus *semua* data yang terkait dengan nomor ini dari Tumbuh (anak, hasil ukur, "
                      "pengingat), termasuk yang dicatat kader? Ini tidak bisa dibatalkan.",
    "delete_done": "Sudah dihapus dari Tumbuh: {what}. Juga dari lembar kerja kader dan dari percakapan yang sedang "
                   "berjalan. Terima kasih sudah memakai Tumbuh. 🙏",
    "deleted_family": "data keluarga (nomor WhatsApp, bahasa, persetujuan, pengingat)",
    "deleted_children": "{count} anak",
    "deleted_measurements": "{count} hasil ukur",
    "deleted_refusal": "permintaan \"jangan tanya lagi\"",
    "nothing_to_delete": "Tumbuh tidak menyimpan data apa pun tentang nomor ini.",
    "consent_updated": "📄 Tumbuh memperbarui penjelasan tentang data Anda. Mohon baca lagi dan jawab:",
    "consent_update_declined": (
        "Baik. Selama Anda belum setuju, Tumbuh tidak mencatat data baru dan tidak mengirim pengingat. Data lama "
        "tetap tersimpan; ketik HAPUS untuk menghapus semuanya, atau kirim *Halo* untuk membaca lagi."
    ),
    # --- a parent number typed by a kader is a claim, confirmed by the parent before anything reaches them ---
    "claim_question": (
        "Kader Posyandu {posyandu} mencatat seorang anak dengan nomor WhatsApp ini sebagai nomor orang tuanya.\n\n"
        "Apakah *{name}*, lahir {birth_date}, anak Anda?\n\nSebelum Anda menjawab *Ya*, tidak ada data anak "
        "ini yang dikirim ke sini."
    ),
    "choice_claim_yes": "Ya, anak saya",
    "choice_claim_no": "Bukan anak saya",
    "choice_claim_never": "Jangan tanya lagi",
    "claim_linked": "Terima kasih. {name} sekarang ada di daftar anak Anda; hasil ukur dari posyandu akan dikirim "
                    "ke sini.",
    "claim_dropped": "Baik, terima kasih. Nomor Anda sudah dihapus dari catatan anak itu; tidak ada data anak itu "
                     "yang dikirim ke sini.",
    "claim_refused": "Baik. Nomor Anda sudah dihapus dari catatan anak itu, dan Tumbuh tidak akan bertanya lagi bila "
                     "nomor ini dicatat untuk anak lain.",
    "claim_gone": "Pertanyaan itu sudah tidak berlaku.",
    "kader_parent_claim_noted": "📨 Nomor orang tua dicatat. Orang tua ditanya dulu apakah ini anaknya; hasil ukur "
                                "baru dikirim kepadanya setelah ia membenarkan.",
    # --- DATA SAYA and UBAH DATA (UU 27/2022: the right to see and correct one's data) ---
    "my_data": (
        "🗂️ *Data Anda di Tumbuh*\n• Nomor WhatsApp: {wa_id}\n• Bahasa: {language}\n"
        "• Setuju pada: {consent_at} (versi {version})\n• Pengingat: {reminders}\n\n*Anak:*\n{children}\n\n"
        "Data hanya dipakai untuk memantau pertumbuhan dan dibagikan ke kader/puskesmas posyandu anak. "
        "Ketik *UBAH DATA* untuk membetulkan nama, jenis kelamin atau tanggal lahir anak, *HAPUS* untuk menghapus "
        "semuanya."
    ),
    "my_data_child": "• {name}, {sex}, lahir {birth_date}; posyandu: {posyandu}; diukur {count} kali",
    "my_data_last": "• {name}, {sex}, lahir {birth_date}; posyandu: {posyandu}; diukur {count} kali, terakhir "
                    "{last}",
    "my_data_no_children": "• (belum ada)",
    "my_data_reminders_on": "aktif",
    "my_data_reminders_off": "berhenti (ketik MULAI untuk mengaktifkan)",
    "language_name_id": "Bahasa Indonesia",
    "language_name_en": "English",
    "my_data_none": "Tumbuh tidak menyimpan data apa pun tentang nomor ini.",
    "my_data_claims_only": (
        "Tumbuh belum menyimpan data Anda. Kader posyandu mencatat {count} anak dengan nomor ini sebagai nomor "
        "orang tua; anak itu baru dihubungkan ke Anda bila Anda membenarkannya. Ketik HAPUS untuk menghapus "
        "catatan itu."
    ),
    "ask_correct_field": "Apa yang perlu dibetulkan untuk {name}?",
    "choice_field_name": "Nama",
    "choice_field_sex": "Jenis kelamin",
    "choice_field_birth_date": "Tanggal lahir",
    "correct_done": "✅ Data {name} sudah dibetulkan ({field}). {count} hasil ukur dihitung ulang.",
    # --- other kinds of messages ---
    "media_not_read": "Terima kasih! Tumbuh belum bisa membaca {kind}. Mohon kirim angkanya sebagai tulisan, "
                      "misalnya: _bb 9,1 tb 76_",
    "kind_image": "foto",
    "kind_audio": "pesan suara",
    "kind_video": "video",
    "kind_document": "dokumen",
    "kind_sticker": "stiker",
    "kind_other": "jenis pesan ini",
    "location_thanks": "Terima kasih sudah berbagi lokasi. Tumbuh belum memakai lokasi; ketik MENU untuk lanjut.",
    "slow_down": "Pesan Anda banyak sekali dalam waktu singkat. Tunggu sebentar ya, lalu kirim lagi. 🙏",
    "history_none": "Belum ada hasil ukur untuk {name}.",
    "history_header": "📈 Riwayat {name}:",
    "history_line": "• {measured_on}: BB {weight_kg} kg, {lenhei_label} {lenhei_cm} cm — {summary}{gain}",
    "join_2": "{a}, {b}",
    "join_3": "{a}, {b}, {c}",
    "gain_word_N": ", berat naik",
    "gain_word_T": ", berat tidak naik",
    "gain_word_none": "",
    "reminders_info": "Pengingat dikirim menjelang jadwal timbang bulanan di posyandu.",
    "reminders_off": "Pengingat sedang tidak aktif. Ketik MULAI untuk mengaktifkan.",
    "ask_again_later": "Maaf, Tumbuh sedang ada gangguan. Coba kirim lagi beberapa menit lagi, ya.",
    # --- growth charts ---
    # Drawn inside the picture with a plain Latin font: no emoji, and "-" (not "−") for minus.
    "chart_title_lfa": "Panjang/tinggi badan menurut umur",
    "chart_title_wfa": "Berat badan menurut umur",
    "chart_title_wfl": "Berat badan menurut panjang badan",
    "chart_title_wfh": "Berat badan menurut tinggi badan",
    "chart_subtitle": "{name}, {sex}",
    "chart_sex_m": "laki-laki",
    "chart_sex_f": "perempuan",
    "chart_axis_age_months": "Umur (bulan)",
    "chart_axis_lenhei_cm": "Panjang/tinggi badan (cm)",
    "chart_axis_length_cm": "Panjang badan (cm)",
    "chart_axis_height_cm": "Tinggi badan (cm)",
    "chart_axis_weight_kg": "Berat badan (kg)",
    "chart_source": "Garis: standar WHO",
    "chart_caption_none": "Garis hijau adalah rata-rata anak sehat menurut WHO.",
    "chart_caption_lfa_severely_stunted": "Titik terakhir di bawah garis merah (-3): sangat pendek untuk umurnya, "
                                          "mohon periksakan ke puskesmas.",
    "chart_caption_lfa_stunted": "Titik terakhir di bawah garis kuning (-2): pendek untuk umurnya (stunting), "
                                 "bicarakan dengan bidan atau kader.",
    "chart_caption_lfa_normal": "Titik terakhir di antara garis kuning (-2) dan garis abu-abu (+3): tinggi anak "
                                "sesuai umurnya.",
    "chart_caption_lfa_tall": "Titik terakhir di atas garis abu-abu (+3): anak lebih tinggi dari kebanyakan anak "
                              "seumurnya.",
    "chart_caption_wfa_severely_underweight": "Titik terakhir di bawah garis merah (-3): berat badan sangat kurang "
                                              "(BGM), mohon periksakan ke puskesmas hari ini.",
    "chart_caption_wfa_underweight": "Titik terakhir di bawah garis kuning (-2): berat badan kurang untuk umurnya.",
    "chart_caption_wfa_normal": "Titik terakhir di antara garis kuning (-2) dan garis oranye (+1): berat badan "
                                "sesuai umurnya.",
    "chart_caption_wfa_risk_of_overweight": "Titik terakhir di atas garis oranye (+1): risiko berat badan lebih; "
                                            "periksakan ke bidan untuk memastikan dengan BB/TB.",
    "chart_caption_wfl_severely_wasted": "Titik terakhir di bawah garis merah (-3): sangat kurus (gizi buruk), mohon "
                                         "periksakan ke puskesmas hari ini.",
    "chart_caption_wfl_wasted": "Titik terakhir di bawah garis kuning (-2): kurus untuk panjang/tinggi badannya "
                                "(gizi kurang).",
    "chart_caption_wfl_normal": "Titik terakhir di antara kedua garis kuning (-2 dan +1): berat sesuai "
                                "panjang/tinggi badannya (gizi baik).",
    "chart_caption_wfl_possible_risk_of_overweight": "Titik terakhir di antara garis kuning (+1) dan garis oranye "
                                                     "(+2): berisiko gizi lebih.",
    "chart_caption_wfl_overweight": "Titik terakhir di antara garis oranye (+2) dan garis merah (+3): gizi lebih.",
    "chart_caption_wfl_obese": "Titik terakhir di atas garis merah (+3): obesitas, bicarakan dengan bidan atau "
                               "kader.",
    # --- reminders (shared/services/reminders.py) ---
    "reminder_measurement": "Halo Bunda/Ayah 👋 Sudah waktunya *{name}* ditimbang dan diukur lagi (sekitar {due_on}) "
                            "di {posyandu}. Menimbang tiap bulan membantu melihat apakah {name} tumbuh dengan baik.",
    "reminder_recheck": "Halo Bunda/Ayah 👋 Dua minggu lalu hasil ukur *{name}* perlu perhatian. Mohon timbang dan "
                        "ukur {name} lagi (sekitar {due_on}) di {posyandu} atau puskesmas, agar terlihat apakah sudah "
                        "membaik.",
    "reminder_followup": "Halo Bunda/Ayah 👋 Kemarin Tumbuh menyarankan *{name}* dibawa ke puskesmas. Sudah dibawa? "
                         "Kalau belum, mohon hari ini juga.",
    "reminder_bulan_penimbangan": "Halo Bunda/Ayah 👋 Februari dan Agustus adalah *Bulan Penimbangan Balita*: semua "
                                  "balita ditimbang dan diukur, dan mendapat vitamin A. Bawa *{name}* ke {posyandu} "
                                  "bulan depan, ya.",
    "reminder_age_out": "Selamat ulang tahun ke-5 untuk *{name}*! 🎉 Tumbuh memantau balita sampai umur 5 tahun, jadi "
                        "pengingat untuk {name} berhenti di sini. Untuk pemeriksaan selanjutnya, silakan ke puskesmas "
                        "atau UKS sekolah.",
    "reminder_posyandu_any": "posyandu",
    "reminder_button_done": "Sudah timbang",
    "reminder_button_done_followup": "Sudah ke puskesmas",
    "reminder_button_later": "Ingatkan besok",
    "reminder_button_stop": "Berhenti",
    "reminder_later_ok": "Baik, Tumbuh ingatkan lagi besok tentang {name}. 🙏",
    "reminder_followup_thanks": "Terima kasih sudah membawa {name} ke puskesmas. 🙏 Ikuti saran bidan atau petugas "
                                "gizi, dan timbang lagi sesuai jadwal.",
    "reminder_gone": "Pengingat itu sudah tidak berlaku.",
    "kader_day_list": "📋 *Besok hari posyandu* — Posyandu {posyandu}, {day}\n"
                      "Balita yang perlu ditimbang: *{due}*\n\n"
                      "*Belum ditimbang bulan lalu (O):* {missed}\n\n"
                      "*Perlu perhatian (berisiko atau 2T):* {risk}\n\n"
                      "Besok, tekan tombol di bawah untuk mulai mencatat, satu baris per anak.",
    "kader_day_start": "Mulai hari posyandu",
    "kader_bulan_penimbangan": "📋 *Bulan Penimbangan* mulai {month} — Posyandu {posyandu}\n"
                               "*{due}* balita perlu ditimbang, diukur dan mendapat vitamin A: {names}.\n\n"
                               "Keluarga yang memakai Tumbuh sudah diingatkan hari ini.",
    "kader_day_none": "tidak ada",
    "kader_day_more": "{names}, dan {more} lainnya",
    "staff_notice_followup": "🔔 *{name}* ({birth_date}), Posyandu {posyandu}: hasil ukur {measured_on} menyarankan "
                             "ke puskesmas hari itu juga. Kemarin Tumbuh menanyakan apakah sudah dibawa, tetapi "
                             "keluarga belum menjawab. Mohon hubungi keluarganya.",
    # --- the Sheet: rows, recap ---
    "sheet_by_family": "Orang tua (WhatsApp)",
    "sheet_by_sheet": "Kader (di Sheet)",
    "sheet_reminder_measurement": "Timbang bulanan",
    "sheet_reminder_recheck": "Ukur ulang (2 minggu)",
    "sheet_reminder_followup": "Tanya: sudah ke puskesmas?",
    "sheet_reminder_bulan_penimbangan": "Bulan Penimbangan",
    "sheet_reminder_age_out": "Umur 5 tahun: pemantauan selesai",
    "sheet_band": "{low}–{high} bln",
    "sheet_band_all": "Semua (0–59 bln)",
    "sheet_title": "Tumbuh - Posyandu {posyandu}",
    "sheet_role_kader": "Kader",
    "sheet_role_bidan": "Bidan",
    "sheet_role_admin": "Admin",
    "sheet_note_problem": "{column}: {why}",
    "sheet_note_incomplete": "Belum tersimpan di Tumbuh. Lengkapi: {items}.",
    "sheet_missing": "{column}",
    "sheet_missing_age": "{column} (atau Umur Disebut bila tanggal lahir tidak diketahui)",
    "sheet_missing_measurement": "{column} atau PB/TB",
    "sheet_bad_id": "kolom ini diisi Tumbuh; kosongkan bila ini baris baru.",
    "sheet_unknown_row": "Tumbuh tidak mengenal ID ini di posyandu ini. Kosongkan bila ini baris baru.",
    "sheet_unknown_child": "Tumbuh tidak mengenal ID Anak ini di posyandu ini. Kosongkan agar anak dicari dengan "
                           "nama dan tanggal lahir.",
    "sheet_over_five": "anak sudah 5 tahun atau lebih pada tanggal ukur: di luar standar WHO untuk balita. "
                       "Silakan periksa ke puskesmas.",
    "sheet_invalid_sex": "isi L (laki-laki) atau P (perempuan).",
    "sheet_invalid_measure": "isi PB (diukur berbaring) atau TB (diukur berdiri).",
    "sheet_invalid_yes_no": "isi Ya atau Tidak.",
    "sheet_shared_sheet_needs_child": "Sheet ini dipakai beberapa posyandu: isi ID Anak dari tab Anak.",
    "sheet_other_child": "baris ini sekarang menyebut anak lain. Hasil ukur tidak dipindah ke anak lain dari Sheet: "
                         "kembalikan isi baris ini, lalu ketik baris baru (ID Ukur kosong) untuk anak itu.",
    "sheet_delete_ask": "Di Sheet Posyandu {posyandu}, baris hasil ukur *{name}* tanggal {measured_on} dihapus. "
                        "Hapus juga dari Tumbuh? Kalau tidak sengaja, pilih *Kembalikan*: barisnya muncul lagi.",
    "sheet_delete_yes": "Hapus",
    "sheet_delete_no": "Kembalikan",
    "sheet_delete_done": "Hasil ukur {name} tanggal {measured_on} sudah dihapus dari Tumbuh.",
    "sheet_delete_kept": "Baik, hasil ukur {name} tanggal {measured_on} tetap disimpan dan akan muncul lagi di Sheet.",
    "sheet_delete_gone": "Hasil ukur itu sudah tidak ada di Tumbuh (mungkin sudah dihapus).",
    # --- the Sheet ---
    # Short words in the Pengukuran tab's formula columns (shared/sheet/formulas.py): the advice matrix's tier, and
    # a value WHO flags as implausible.
    "sheet_urgency_routine": "rutin",
    "sheet_urgency_soon": "periksa minggu ini",
    "sheet_urgency_today": "rujuk hari ini",
    "sheet_urgency_now": "rujuk SEKARANG",
    "sheet_remeasure": "perlu diukur ulang",
    # --- operator alerts: parameters of the template tumbuh_peringatan_operator (shared/services/alerts.py) ---
    "alert_opened": "TERBUKA, perlu ditangani",
    "alert_closed": "SELESAI, sudah pulih",
    "alert_started": "{day} pukul {hours}.{minutes} WIB",
}

EN: dict[str, str] = {
    "welcome_consent": (
        "Hello! 👋 I'm *Tumbuh*, here to help you follow your child's growth.\n\n"
        "Send your child's sex, birth date, weight and length/height. Tumbuh works out their nutritional status "
        "with the WHO standards and Indonesia's Permenkes No. 2/2020, explains what it means, and reminds you "
        "of the next weighing.\n\n"
        "*Data consent* (Law No. 27/2022): to do this Tumbuh stores your WhatsApp number and your child's name, "
        "birth date and measurements. They are used only to monitor growth and may be shared with your "
        "posyandu cadre/puskesmas. You can see your data (type MY DATA), correct it (EDIT DATA), stop any "
        "time (STOP) or delete everything (HAPUS).\n\nDo you agree?"
    ),
    "consent_thanks": "Thank you. 🙏 Your data will be kept safe.",
    "consent_question_kept": (
        "Tumbuh has your message. Once you agree, Tumbuh answers it straight away (without your agreement it is "
        "not kept)."
    ),
    "kader_not_registered": (
        "This number is not registered as a cadre. Cadres are registered by the puskesmas: ask your village "
        "midwife or the puskesmas nutrition officer to register this WhatsApp number with your posyandu, then send "
        "*Hello* again. Meanwhile, Tumbuh can be used as a parent:"
    ),
    "greet_salam": "Wa alaikum salam 🙏",
    "greet_pagi": "Good morning! 🌤️",
    "greet_siang": "Good afternoon! ☀️",
    "greet_sore": "Good afternoon! 🌇",
    "greet_malam": "Good evening! 🌙",
    "consent_declined": "That's fine. Tumbuh has stored nothing. If you change your mind, just send *Hello*.",
    "language_set": "OK, Tumbuh will use English.",
    "ask_language": "Choose a language:",
    "menu": "What would you like to do? Pick from the menu, or just send your child's details, e.g.:\n_{example}_",
    "example_young": "girl born {birth_date}, {weight_kg} kg, {lenhei_cm} cm lying down",
    "example_older": "boy born {birth_date}, {weight_kg} kg, {lenhei_cm} cm standing",
    "menu_button": "Menu",
    "menu_measure": "Check growth",
    "menu_measure_desc": "Nutritional status from weight, height",
    "menu_children": "My children",
    "menu_children_desc": "Children on record",
    "menu_history": "History",
    "menu_history_desc": "Earlier measurements",
    "menu_reminders": "Reminders",
    "menu_reminders_desc": "Next weighing",
    "menu_help": "Help",
    "menu_help_desc": "How to use Tumbuh",
    "menu_language": "Bahasa / Language",
    "menu_language_desc": "Indonesian or English",
    "help": (
        "*How to use Tumbuh*\n"
        "• Send everything in one message: _{example}_\n"
        "• Or pick *Check growth* in the menu and answer the questions.\n"
        "• Decimals may use a comma or a point (12,5 or 12.5).\n\n"
        "Words that work any time:\n"
        "MENU – back to the menu · BATAL – cancel · BANTUAN – this help · BAHASA – language\n"
        "STOP – no more reminders · MULAI – reminders again · HAPUS – delete all data\n"
        "MY DATA – see your data · EDIT DATA – correct a child's name, sex or birth date"
    ),
    "cancelled": "OK, cancelled.",
    "session_expired": "Our last conversation was a while ago, so let's start again.",
    "not_understood": "Sorry, Tumbuh didn't understand that. Type BANTUAN for examples of what to write.",
    "no_children": "No children on record yet. Pick *Check growth* to add your first child.",
    "children_list": "Children on record:\n{lines}",
    "children_line": "• {name} ({sex}), born {birth_date}, age {age}",
    "choice_agree": "I agree",
    "choice_disagree": "I don't agree",
    "choice_english": "English",
    "choice_indonesian": "Bahasa Indonesia",
    "choice_yes": "Yes",
    "choice_no": "No",
    "choice_boy": "Boy",
    "choice_girl": "Girl",
    "choice_today": "Today",
    "choice_skip": "Skip",
    "choice_lying": "Lying down",
    "choice_standing": "Standing",
    "choice_child": "{name}",
    "choice_new_child": "New child",
    "choice_delete_yes": "Yes, delete all",
    "choice_delete_no": "No, keep it",
    "choice_measure_again": "Measure again",
    "choice_other_child": "Another child",
    "choice_menu": "Menu",
    "ask_which_child": "Which child?",
    "ask_child_name": "What is the child's name? (a nickname is fine)",
    "ask_sex": "The child's sex?",
    "ask_birth_date": "Birth date? For example: 3-1-2024 or 3 January 2024",
    "ask_posyandu": "Which posyandu usually weighs the child? Type its name, or pick *Skip*.",
    "posyandu_unknown": "Posyandu \"{query}\" is not registered with Tumbuh. Try just its name (e.g. Melati), "
                        "or pick *Skip*.",
    "ask_measured_on": "When was the child weighed/measured? Pick *Today* or type the date.",
    "ask_weight": "Weight in kg? For example: 9.1",
    "ask_lenhei": "Length/height in cm? For example: 76.5",
    "ask_measure": "Was the child measured lying down or standing? {usual_text}",
    "ask_headc": "Head circumference (cm)? If not measured, pick *Skip*.",
    "ask_armc": "Mid-upper arm circumference/MUAC (cm)? If not measured, pick *Skip*.",
    "ask_oedema": "Press the top of both of the child's feet with your thumb for 3 seconds. Are *both feet swollen, "
                  "leaving a dent after 3 seconds of pressing* (oedema)?",
    "ask_previous_on": "When was the {weight_kg} kg weight taken? Type the date, e.g. 5-10-2026, or pick *Don't "
                       "remember*.",
    "previous_not_before": "That date must be before this measurement's date. Please check again.",
    "choice_forgot": "Don't remember",
    "ask_birth_kia": (
        "Age {age} is noted. The birth date is in the *Buku KIA* (the child's identity page); with the birth date "
        "the result is more exact. If you have it, type the date, e.g. 3-1-2024. If not, choose *Don't know date* "
        "and Tumbuh uses that age (the result is an estimate)."
    ),
    "choice_date_unknown": "Don't know date",
    "stuck_birth_kia": (
        "What was understood is kept. Type the birth date from the Buku KIA, e.g. *3-1-2024*, or choose *Don't "
        "know date* to use age {age}."
    ),
    "ask_age_now": (
        "{name}'s birth date is not recorded. How old is {name} now? Write it in months, e.g. *15*, or like "
        "*1 y 3 mo*."
    ),
    "stuck_age_now": (
        "What was understood is kept. Only the child's age today is missing: the number of months, e.g. *15*, or "
        "*1 y 3 mo*. With the birth date (in the Buku KIA) the result is more exact: send it with UBAH DATA."
    ),
    "invalid_age": "I couldn't read the age. Write it like *15 months* or *1 y 3 mo*.",
    "stuck_birth_date_or_age": (
        "What was understood is kept. Only the birth date is missing, e.g. *3-1-2024*; it is in the Buku KIA (the "
        "child's identity page). If you don't know the date, write the age, e.g. *1 y 3 mo* or *15 months*."
    ),
    "age_approx": "~{age} (estimate)",
    "approximate_age_note": (
        "This result is an *estimate*: {name}'s age comes from the age you wrote, not from a birth date. To make it "
        "exact, find the birth date in the Buku KIA (the child's identity page) and send it with *UBAH DATA*; all "
        "of {name}'s results are then recomputed."
    ),
    "birth_date_unknown": "(date unknown)",
    "born_unknown_short": "birth date ?",
    "age_unknown": "unknown (send the birth date with UBAH DATA)",
    "child_label_born_unknown": "{name} (birth date ?)",
    "choice_not_measured": "Not measured",
    "weight_only_note": (
        "Length/height was not measured, so only weight-for-age (W/A) is assessed. To know whether the child is "
        "short for age (stunting), have the length/height measured at the posyandu."
    ),
    "check_weight": (
        "A weight of {weight_kg} kg is unusual for a child aged {age}. Is the number right? If it was a typo, send "
        "the right number."
    ),
    "check_lenhei": (
        "A length/height of {lenhei_cm} cm is unusual for a child aged {age}{with_weight}. Is the number right? If it "
        "was a typo, send the right number."
    ),
    "check_with_weight": " weighing {weight_kg} kg",
    "choice_value_right": "Yes, it's right",
    "stuck_generic": (
        "What was understood is kept. Answer the question briefly, pick a button below, or type MENU to go back "
        "to the menu."
    ),
    "stuck_name": "What was understood is kept. Only the child's name is missing, in letters, e.g. *Ani*.",
    "stuck_sex": "What was understood is kept. Only the sex is missing: type *L* (boy) or *P* (girl).",
    "stuck_birth_date": (
        "What was understood is kept. Only the birth date is missing, e.g. *3-1-2024* or *3 January 2024*; it is in "
        "the Buku KIA (the child's identity page)."
    ),
    "stuck_measured_on": (
        "What was understood is kept. Only the measuring date is missing, e.g. *today*, *yesterday* or *25-11-2026*."
    ),
    "stuck_weight": (
        "What was understood is kept. Only the weight in kilograms is missing, just the number, e.g. *9.1* (not "
        "9100 grams)."
    ),
    "stuck_lenhei": (
        "What was understood is kept. Only the length/height in centimetres is missing, e.g. *76.5*. If it was not "
        "measured, pick *Not measured*: Tumbuh then assesses the weight only."
    ),
    "stuck_measure": "What was understood is kept. Only how it was measured is missing: type *lying* or *standing*.",
    "stuck_oedema": (
        "What was understood is kept. One question is left: are both feet swollen on top? Type *yes* or *no*. If "
        "unsure, show the child's feet to the cadre or midwife."
    ),
    "choice_ask_kader": "Cadre's help",
    "kader_can_help": (
        "The posyandu cadre can help: they weigh and measure children, and the birth date is in the Buku KIA. What "
        "you sent stays here for a day; carry on any time."
    ),
    "usual_lying": "Children under 2 are usually measured lying down (length).",
    "usual_standing": "Children 2 and older are usually measured standing (height).",
    "invalid_name": "I couldn't read the name. Please write it in letters, at most {max} characters.",
    "invalid_number": "I couldn't read the number. Just type the number, e.g. 9.1.",
    "number_out_of_range": "{value} {unit} doesn't look right. It is usually between {min} and {max} {unit}. "
                           "Please check again.",
    "ambiguous_number": "There is more than one number. Please send just one.",
    "invalid_date": "I couldn't read the date. Write it like 3-1-2024 or 3 January 2024.",
    "impossible_date": "That date doesn't exist in the calendar. Please check again.",
    "date_in_future": "That date hasn't happened yet. Please check again.",
    "date_too_early": "That date is too long ago. Please check again.",
    "child_too_old": "Sorry, Tumbuh can currently only assess children under 5. For older children, please visit "
                     "the puskesmas.",
    "measured_before_birth": "The measuring date can't be before the birth date.",
    "invalid_sex": "Please answer *Boy* or *Girl* (L or P also work).",
    "invalid_yes_no": "Please answer *Yes* or *No*.",
    "invalid_measure": "Please answer *Lying down* or *Standing*.",
    "invalid_choice": "Please pick one of the options above, or type its number.",
    "wrong_unit": "The question was in {unit}, but the answer was in {given}. Please send it in {unit}.",
    "incomplete_date": "The date is incomplete. Write day, month and year, e.g. 3-1-2024.",
    "ambiguous_date": "There are two different dates ({first} and {second}). Please send just one.",
    "conflicting_values": "There are two different values for {field} ({first} and {second}), so it will be asked again.",
    "field_name": "name",
    "field_sex": "sex",
    "field_birth_date": "birth date",
    "field_weight_kg": "weight",
    "field_lenhei_cm": "length/height",
    "field_measure": "measuring position",
    "field_headc_cm": "head circumference",
    "field_armc_cm": "arm circumference",
    "field_measured_on": "measuring date",
    "field_age_months": "age",
    "unit_months": "months",
    "kader_menu": (
        "Hello cadre {name} 👋 Posyandu {posyandu}.\n"
        "Type one line a child: name, weight, length/height (and how measured), e.g. _{example}_\n"
        "New child: _{example_new}_\n"
        "Or pick:"
    ),
    "kader_finish_first": (
        "The question for *{name}* is not answered yet, so that line was not recorded. Answer this question first, "
        "then send the next child's line again."
    ),
    "kader_help": (
        "*How cadres use Tumbuh*\n"
        "• *One line a child*: the name (part of it is fine), weight in kg, length/height in cm, and how the child "
        "was measured (lying or standing), e.g. _{example}_. _bb 9.8 tb 76_ or _9.8kg 76cm_ work too. Add _no "
        "swelling_ to skip the oedema question, and _lila 13_ when the arm circumference was measured.\n"
        "• A *new child* in one line: _{example_new}_ (name, L/P, birth date, weight, length/height, then the "
        "parent's WhatsApp number after _ortu_). The parent is asked first whether this is their child, and "
        "receives the result once they agree.\n"
        "• Whatever the line leaves out is asked; the result is one short message.\n"
        "• Or type only the child's name, or pick *Measure a child*, and answer the questions one by one.\n"
        "• *REKAP*: the children measured today, who needs a referral, and the parents who did not get the result.\n"
        "• *To check*: children to measure again or to refer to the puskesmas.\n"
        "• Numbers may use a comma or a point (9,8 or 9.8).\n"
        "• BATAL stops the measuring in progress; BAHASA changes the language."
    ),
    "kader_ask_child": "Type the name of the child being measured (part of the name is fine), or pick *New child*.",
    "kader_no_match": "No child named \"{query}\" at this posyandu. Try another spelling, or pick *New child*.",
    "kader_ask_parent_phone": "The parent's WhatsApp number? (e.g. 0812 3456 7890) The parent is asked first "
                              "whether this is their child. If there is none, pick *Skip*.",
    "invalid_phone": "I couldn't read the number. Write an Indonesian mobile number, e.g. 0812 3456 7890.",
    "kader_saved": "✅ Recorded by the cadre for the posyandu.",
    "kader_parent_notified": "📨 The result was also sent to the parent.",
    "kader_parent_opted_out": (
        "🔕 The parent asked for STOP: Tumbuh does not send them this result. Please tell them in person."
    ),
    "kader_parent_unreachable": (
        "⚠️ The parent's WhatsApp number cannot be reached: this result was not sent. Please tell them in person."
    ),
    "kader_only": "This is for parents. As a cadre, type MENU to measure a child.",
    "choice_kader_measure": "Measure a child",
    "choice_kader_review": "To check",
    "choice_kader_review_desc": "Unusual values to check",
    "choice_kader_measure_desc": "Weigh and measure a child",
    "review_none": "No measurements to check at this posyandu. 👍",
    "review_header": "🔎 *To check* (values outside the plausible range, last {days} days):",
    "review_line": "• {name} (born {birth_date}), measured {measured_on}: {state}",
    "review_remeasure": "not measured again yet, please measure again",
    "review_confirmed": "measured again with the same result, the family was sent to the puskesmas",
    "kader_example_line": "Fajar {weight_kg} {lenhei_cm} lying",
    "kader_example_new": "new: Lestari F {birth_date} {weight_kg} {lenhei_cm} ortu 0812…",
    "kader_confirm_child": "Is it *{child}*?",
    "kader_line_result": "✅ *{name}* ({born}), {age}\nWeight {weight_kg} kg, {lenhei_label} {lenhei_cm} cm{gain}\n"
                         "{categories}\nStatus: *{status}*",
    "kader_line_head": "*{name}* ({born}), {age}\nWeight {weight_kg} kg, {lenhei_label} {lenhei_cm} cm",
    "kader_category": "{indicator} {category}",
    "kader_ind_wfa": "W/A",
    "kader_ind_lfa_pb": "L/A",
    "kader_ind_lfa_tb": "H/A",
    "kader_ind_wfl_pb": "W/L",
    "kader_ind_wfl_tb": "W/H",
    "kader_ind_bfa": "BMI/A",
    "kader_ind_hcfa": "HC/A",
    "kader_urgent_now": "🚨 *Refer NOW*: {name} needs a hospital emergency room or the puskesmas now, because "
                        "{reason}.",
    "kader_urgent_today": "🚑 *Refer today*: {name} needs the puskesmas today, because {reason}.",
    "kader_urgent_soon": "🩺 *Within this week*: {name} needs a check at the puskesmas or with the midwife, because "
                         "{reason}.",
    "kader_parent_template": (
        "📨 The parent has not written to Tumbuh in the last 24 hours: the result was sent as a short message "
        "(template)."
    ),
    "kader_parent_not_linked": (
        "📵 No parent is linked yet (no number given, or the parent has not confirmed it): please tell the family "
        "in person."
    ),
    "kader_line_next": "Next? Type the next child in one line.",
    "kader_line_registered_already": "ℹ️ {name} ({born}) is already registered at this posyandu: the result is "
                                     "recorded for that child.",
    "kader_line_ambiguous": (
        "There are {count} numbers without a label, so weight and length/height are asked one by one. Write the "
        "weight first, then the length/height, e.g. 9.8 76."
    ),
    "kader_line_unread": "The number {value} was not used: it is neither a weight nor a length/height.",
    "kader_line_today_only": "A one-line entry is recorded for today. For another date, pick *Measure a child*.",
    "kader_line_number_new_only": (
        "A parent's number in a one-line entry is recorded only for a new child (_new: …_); that number was not "
        "recorded."
    ),
    "choice_kader_recap": "Today's recap",
    "choice_kader_recap_desc": "Children measured today and who needs a referral",
    "recap_none": "No child has been measured today at Posyandu {posyandu} yet.",
    "recap_header": "📋 *Today's recap* — Posyandu {posyandu}, {today}\n{count} children measured; {risk} need "
                    "attention.",
    "recap_risk_header": "*Need attention* (most urgent first):",
    "recap_line": "• {name} ({born}): *{status}*{when}",
    "recap_when_now": " — 🚨 emergency room/puskesmas now",
    "recap_when_today": " — 🚑 puskesmas today",
    "recap_when_soon": " — 🩺 puskesmas/midwife this week",
    "recap_remeasure": "unusual value, to be measured again",
    "recap_others": "*Others*: {names}",
    "recap_name_status": "{name} ({status})",
    "recap_parent_header": "*Parents who did not get the full result:*",
    "recap_parent_line": "• {name}: {why}",
    "recap_parent_no_number": "no parent number",
    "recap_parent_claim_pending": "the parent has not confirmed the number yet",
    "recap_parent_stopped": "the parent asked for STOP",
    "recap_parent_unreachable": "the parent's WhatsApp number cannot be reached",
    "recap_parent_template": "outside the 24 hours, sent as a short message (template)",
    "recap_parent_not_sent": "not sent (the parent was linked after the measurement)",
    "recap_parent_all_sent": "📨 Every result was sent to the parents.",
    "recap_next": "Type the next child, or pick:",
    "choice_next_child": "Next child",
    "choice_prompt_next": "Go on to the next child?",
    "choice_chart_lfa": "📈 Height chart",
    "choice_chart_wfa": "📈 Weight chart",
    "choice_chart_wfl": "📈 Weight/height",
    "caption_chart_image": "📈 Growth chart of {name}",
    "no_chart_yet": "Sorry, a chart for {name} cannot be drawn from the data so far.",
    "sorry_no_chart_now": "Sorry, {name}'s chart cannot be drawn right now. Please try again later. 🙏",
    "parent_result_intro": "The posyandu cadre has just measured {name}. Here is the result:",
    "result_header": "📋 *Result for {name}* — {age}\nMeasured {measured_on}: weight {weight_kg} kg, "
                     "{lenhei_label} {lenhei_cm} cm",
    "age_ym": "{years} y {months} mo",
    "age_y": "{years} y",
    "age_m": "{months} mo",
    "lenhei_pb": "length",
    "lenhei_tb": "height",
    "result_line": "• {indicator}: *{category}*",
    "ind_wfa": "Weight-for-age (BB/U)",
    "ind_lfa_pb": "Length-for-age (PB/U)",
    "ind_lfa_tb": "Height-for-age (TB/U)",
    "ind_wfl_pb": "Weight-for-length (BB/PB)",
    "ind_wfl_tb": "Weight-for-height (BB/TB)",
    "ind_bfa": "BMI-for-age (IMT/U)",
    "cat_severely_underweight": "severely underweight",
    "cat_underweight": "underweight",
    "cat_normal_wfa": "normal weight",
    "cat_risk_of_overweight": "risk of overweight",
    "cat_severely_stunted": "severely stunted",
    "cat_stunted": "stunted",
    "cat_normal_lfa": "normal",
    "cat_tall": "tall",
    "cat_severely_wasted": "severely wasted",
    "cat_wasted": "wasted",
    "cat_normal_wfl": "normal",
    "cat_possible_risk_of_overweight": "possible risk of overweight",
    "cat_overweight": "overweight",
    "cat_obese": "obese",
    "gain_gained": "⚖️ Weight *went up* {gain_g} g since {previous_on} (at least {required_g} g needed). Well done!",
    "gain_same_month": "⚖️ Compared with the weighing on {previous_on}: {change_g} g. Gained / not gained (N/T) is "
                       "judged from the monthly weighings.",
    "result_status": "Status: *{status}*",
    "ind_lila": "MUAC {armc_cm} cm",
    "ind_hcfa": "Head circumference-for-age (LK/U)",
    "cat_not_assessed_oedema": "not assessed because of oedema",
    "cat_muac_severe": "severe acute malnutrition",
    "cat_muac_moderate": "moderate acute malnutrition",
    "cat_muac_normal": "normal",
    "cat_head_severely_small": "very small",
    "cat_head_small": "small",
    "cat_normal_hc": "normal",
    "cat_head_large": "large",
    "backdated_note": "ℹ️ This is the measurement of {measured_on}, older than the latest one ({latest_on}); the "
                      "gained / not gained history has been updated.",
    "status_normal": "normal, as expected",
    "status_danger_sign": "a danger sign",
    "status_oedema": "severe acute malnutrition (oedema)",
    "status_severely_wasted": "severe wasting",
    "status_muac_severe": "severe acute malnutrition by MUAC",
    "status_confirmed_extreme": "unusual values (measured again)",
    "status_large_loss": "large weight loss",
    "status_wasted": "wasting",
    "status_muac_moderate": "moderate acute malnutrition by MUAC",
    "status_severely_stunted": "severe stunting",
    "status_stunted": "stunting",
    "status_severely_underweight": "severe underweight (BGM)",
    "status_underweight": "underweight",
    "status_two_t": "weight not up twice (2T)",
    "status_not_gained": "weight not up (T)",
    "status_weight_down": "weight going down",
    "status_head_severely_small": "very small head circumference",
    "status_head_small": "small head circumference",
    "status_head_large": "large head circumference",
    "status_obese": "obesity",
    "status_overweight": "overweight",
    "status_possible_risk_of_overweight": "possible risk of overweight",
    "status_risk_of_overweight_unchecked": "risk of overweight",
    "status_risk_of_overweight": "risk of overweight",
    "status_tall": "tall stature",
    "status_illness": "illness",
    "status_food_refusal": "poor eating",
    "status_food_refusal_infant": "poor breastfeeding",
    "summary_good": "{name} is growing according to the standard. Keep it up! 💚",
    "summary_good_weight_only": "{name}'s weight is right for the age. 💚",
    "summary_danger_sign": "You mentioned a danger sign in {name}.",
    "summary_oedema": "Both of {name}'s feet are swollen (oedema): a sign of severe acute malnutrition, whatever "
                      "the weight.",
    "summary_severely_wasted": "{name} is very thin for their length/height (severely wasted).",
    "summary_muac_severe": "{name}'s MUAC is {armc_cm} cm, below 11.5 cm: a sign of severe acute malnutrition, "
                           "whatever the weight.",
    "summary_confirmed_extreme": "These values are far from usual for a child of {name}'s age and were measured "
                                 "again. *If they are right, take {name} to the puskesmas today.*",
    "summary_large_loss": "⚖️ Weight *went down* {loss_g} g ({loss_pct}%) since {loss_from}.",
    "summary_wasted": "{name} is thin for their length/height (wasted).",
    "summary_muac_moderate": "{name}'s MUAC is {armc_cm} cm (11.5 to under 12.5 cm): a sign of moderate acute "
                             "malnutrition.",
    "summary_severely_stunted_under2": "{name} is very short for their age (*stunting*). The sooner it is "
                                       "addressed the better, especially before age 2.",
    "summary_severely_stunted_over2": "{name} is very short for their age (*stunting*). Check-ups and good food "
                                      "still help their health and development.",
    "summary_stunted_under2": "{name} is short for their age (*stunting*). The sooner it is addressed the better, "
                              "especially before age 2.",
    "summary_stunted_over2": "{name} is short for their age (*stunting*). Check-ups and good food still help their "
                             "health and development.",
    "summary_severely_underweight": "{name}'s weight is very low for their age: below the red line (BGM).",
    "summary_underweight": "{name}'s weight is low for their age.",
    "summary_two_t": "⚖️ Weight *did not go up* enough since {previous_on} ({gain_g} g, at least {required_g} g "
                     "needed), and not last month either: *2T*.",
    "summary_not_gained": "⚖️ Weight *did not go up* enough since {previous_on}: {gain_g} g, but at least "
                          "{required_g} g is needed (T).",
    "summary_weight_down": "⚖️ Weight *went down* {loss_g} g ({loss_pct}%) since {loss_from}.",
    "summary_head_severely_small": "{name}'s head circumference is much smaller than normal for their age.",
    "summary_head_small": "{name}'s head circumference is smaller than normal for their age.",
    "summary_head_large": "{name}'s head circumference is larger than normal for their age.",
    "summary_obese": "{name}'s weight is far above normal for their length/height (obese).",
    "summary_overweight": "{name}'s weight is above normal for their length/height (overweight).",
    "summary_possible_risk_of_overweight": "{name}'s weight is a little above normal for their length/height "
                                           "(possible risk of overweight).",
    "summary_risk_of_overweight_unchecked": "{name}'s weight is above the orange line for their age (risk of "
                                            "overweight); their length/height is needed to be sure.",
    "summary_risk_of_overweight": "{name}'s weight is above average for their age, but right for their "
                                  "length/height.",
    "summary_tall": "{name} is taller than almost all children of their age. This is usually healthy.",
    "summary_illness": "You mentioned {name} is unwell. 🤒 While unwell: keep feeding small amounts often and give plenty to "
                       "drink (breast milk if still breastfed), ORS for diarrhoea. See the puskesmas if not better in 2 "
                       "days.",
    "summary_illness_infant": "You mentioned {name} is unwell. 🤒 Breastfeed more often, and have the baby checked "
                              "at the puskesmas.",
    "summary_food_refusal_infant": "You mentioned {name} is breastfeeding poorly. 🤱 Breastfeed as often as you can; a "
                                   "baby who will not breastfeed at all has a danger sign.",
    "summary_food_refusal": "You mentioned {name} is not eating well. 🥄 Offer small amounts often, never force, and give "
                            "nourishing food they like. If it lasts over a week or the weight drops, see the puskesmas.",
    "urgent_now": "🚨 *Take {name} to a hospital emergency room or the puskesmas NOW*, because of {reason}.",
    "urgent_today": "🚑 *Take {name} to the puskesmas today*, because of {reason}. Show this message to the midwife "
                    "or nutrition officer.",
    "urgent_soon": "🩺 *Within this week, have {name} checked at the puskesmas or by the midwife*, because of "
                   "{reason}.",
    "danger_signs": "⚠️ *Danger signs*: not drinking or breastfeeding, vomiting everything, convulsions, very weak "
                    "or unconscious, difficult breathing, diarrhoea with sunken eyes. If there is even one, go to "
                    "the emergency room/puskesmas at once.",
    "danger_signs_infant": "⚠️ *Danger signs*: not breastfeeding, vomiting everything, convulsions, very weak or "
                           "unconscious, difficult breathing, diarrhoea with sunken eyes, fever under 2 months of "
                           "age. If there is even one, go to the emergency room/puskesmas at once.",
    "adv_sam_infant": "Babies under 6 months with severe acute malnutrition usually need hospital care. On the "
                      "way, keep breastfeeding as often as you can.",
    "adv_sam": "Health workers treat severe acute malnutrition with special food. Until then, keep giving food, drink, and "
               "breast milk if still breastfed.",
    "adv_breastfeeding_support": "🤱 Ask the breastfeeding counsellor at the puskesmas for help: a good position "
                                 "and latch mean enough milk. Breastfeed more often, day and night.",
    "adv_energy_young": "➕ To gain weight: feed more often, add a little oil, coconut milk or butter to the complementary food, "
                        "and give animal-source food first.",
    "adv_energy_older": "➕ To gain weight: add 1–2 nourishing snacks (egg, beans, banana) and a little oil or coconut milk to "
                        "cooking.",
    "adv_stunted": "📏 For height: animal-source food every day, boiled drinking water, handwashing with soap, and full "
                   "immunisation.",
    "adv_not_gained": "⚖️ Feed more often with animal-source food. The Buku KIA advises a midwife's check when the "
                      "weight does not go up.",
    "adv_head": "📐 Bring the Buku KIA: a health worker will measure the head again and assess {name}'s development. It may "
                "well be nothing.",
    "adv_over_infant": "🤱 A plump baby *does not need a diet*. Keep giving breast milk only, as the baby wants; the "
                       "midwife will follow the weight.",
    "adv_over_young": "Children under 2 *do not need a diet*. Avoid sweet drinks, give portions right for the age, "
                      "and play actively together.",
    "adv_over_older": "🥗 Not a diet: swap sweet drinks for water, fewer snacks and fried food, more vegetables and "
                      "fruit, and active play every day.",
    "adv_check_wfl": "📏 Have the length/height measured at the posyandu too, to see whether the weight is right.",
    "adv_tall": "If {name} grows much faster than usual or shows early signs of puberty, see the puskesmas.",
    "feed_0_5": "🤱 Breast milk only until 6 months (exclusive breastfeeding), as often as the baby wants, day and "
                "night, with nothing else, not even water or honey.",
    "feed_6_8": "🥣 At 6–8 months: keep breastfeeding; mashed food 2–3 times a day and 1–2 snacks, from 2–3 spoonfuls up, "
                "with animal-source food (egg, fish, chicken, liver) every day.",
    "feed_9_11": "🥣 At 9–11 months: keep breastfeeding; finely chopped food 3–4 times a day and 1–2 snacks, about "
                 "½ bowl (250 ml), with animal-source food every day.",
    "feed_12_23": "🍽️ At 1–2 years: family food 3–4 times a day and 1–2 snacks, ¾–1 bowl, with animal-source food "
                  "every day; keep breastfeeding to 2 years.",
    "feed_24_59": "🍽️ Balanced family food: 3 meals and 2 snacks a day, animal-source food (egg, fish, chicken, "
                  "meat) every day, and vegetables and fruit.",
    "staff_notified": "The posyandu's cadres and midwife have been told.",
    "concern_now": "🚨 *If the child has convulsions, is unconscious, breathes with difficulty, vomits everything or "
                   "will not drink or breastfeed, go to a hospital emergency room or the puskesmas NOW.*",
    "concern_ack": "Thank you for telling me. 🙏 If the child gets weaker or is not better in 2 days, see the "
                   "puskesmas. Send the child's birth date, weight and length/height so Tumbuh can give advice "
                   "that fits their age.",
    "danger_signs_any": "⚠️ *Danger signs*: not drinking or breastfeeding, vomiting everything, convulsions, very "
                        "weak or unconscious, difficult breathing, diarrhoea with sunken eyes, fever in a baby under "
                        "2 months. If there is even one, go to the emergency room/puskesmas at once.",
    "next_check": "📅 Weigh and measure again around *{next_on}* at the posyandu.",
    "next_check_overdue": "📅 Weigh and measure again as soon as you can at the posyandu: the date ({next_on}) has "
                          "passed.",
    "not_advice_note": "_This is not a diagnosis. For certainty, see a health worker._",
    "remeasure": "🔁 These numbers look unusual for a child of {name}'s age ({detail}). Please measure again "
                 "carefully and send them again. If they are the same, Tumbuh gives the result and advice.",
    "remeasure_standing_young": "children under 9 months should be measured lying down",
    "remeasure_flag": "{indicator} is outside the plausible range",
    "remeasure_weight_jump": "weight changed {change} kg since the last measurement",
    "remeasure_length_jump": "length/height changed {change} cm since the last measurement",
    "staff_notice_extreme": "⚠️ *To check today*: {name} (born {birth_date}), Posyandu {posyandu}. Values outside the "
                            "plausible range were measured again: {status}. The family was asked to go to the "
                            "puskesmas today.",
    "outside_standard": "Sorry, Tumbuh currently only assesses children under 5.",
    "confirm_stop": (
        "Stop receiving messages from Tumbuh that you did not ask for (reminders, and results a cadre recorded)? "
        "Tumbuh still answers what you send, and your children's data stays."
    ),
    "stop_done": (
        "OK, Tumbuh won't send you messages any more except answers to yours; posyandu results come from the cadre "
        "in person. Type MULAI any time to get them again, or HAPUS to delete all data."
    ),
    "stop_nothing_stored": "OK. This number is not in Tumbuh, so Tumbuh will send nothing unless you write.",
    "start_done": "Messages from Tumbuh are on again: reminders and results from the cadre. 👍",
    "confirm_delete": "⚠️ Delete *all* data linked to this number from Tumbuh (children, measurements, "
                      "reminders), including what a cadre entered? This cannot be undone.",
    "delete_done": "Deleted from Tumbuh: {what}. Also from the cadre's sheet and from the conversation in progress. "
                   "Thank you for using Tumbuh. 🙏",
    "deleted_family": "your family's record (WhatsApp number, language, consent, reminders)",
    "deleted_children": "{count} child(ren)",
    "deleted_measurements": "{count} measurement(s)",
    "deleted_refusal": "your \"don't ask again\" request",
    "nothing_to_delete": "Tumbuh holds no data about this number.",
    "consent_updated": "📄 Tumbuh has updated how it explains your data. Please read it again and answer:",
    "consent_update_declined": (
        "That's fine. Until you agree, Tumbuh records nothing new and sends no reminders. What is stored stays; "
        "type HAPUS to delete everything, or send *Hello* to read it again."
    ),
    "claim_question": (
        "A cadre of Posyandu {posyandu} registered a child with this WhatsApp number as the parent's number.\n\n"
        "Is *{name}*, born {birth_date}, your child?\n\nUntil you answer *Yes*, nothing about this child is sent "
        "here."
    ),
    "choice_claim_yes": "Yes, my child",
    "choice_claim_no": "Not my child",
    "choice_claim_never": "Don't ask again",
    "claim_linked": "Thank you. {name} is now on your list of children; results from the posyandu will come here.",
    "claim_dropped": "Thank you. Your number has been removed from that child's record; nothing about the child is "
                     "sent here.",
    "claim_refused": "Understood. Your number has been removed from that child's record, and Tumbuh will not ask "
                     "again if this number is given for another child.",
    "claim_gone": "That question no longer applies.",
    "kader_parent_claim_noted": "📨 Parent's number noted. The parent is asked first whether this is their child; "
                                "results go to them only after they confirm.",
    "my_data": (
        "🗂️ *Your data in Tumbuh*\n• WhatsApp number: {wa_id}\n• Language: {language}\n"
        "• Agreed on: {consent_at} (version {version})\n• Reminders: {reminders}\n\n*Children:*\n{children}\n\n"
        "The data is used only to follow growth and is shared with the child's posyandu cadre/puskesmas. "
        "Type *EDIT DATA* to correct a child's name, sex or birth date, *HAPUS* to delete everything."
    ),
    "my_data_child": "• {name}, {sex}, born {birth_date}; posyandu: {posyandu}; measured {count} times",
    "my_data_last": "• {name}, {sex}, born {birth_date}; posyandu: {posyandu}; measured {count} times, last on "
                    "{last}",
    "my_data_no_children": "• (none yet)",
    "my_data_reminders_on": "on",
    "my_data_reminders_off": "stopped (type MULAI to turn them on)",
    "language_name_id": "Bahasa Indonesia",
    "language_name_en": "English",
    "my_data_none": "Tumbuh holds no data about this number.",
    "my_data_claims_only": (
        "Tumbuh holds no data of yours. A posyandu cadre registered {count} child(ren) with this number as the "
        "parent's number; they are linked to you only if you confirm. Type HAPUS to delete those records."
    ),
    "ask_correct_field": "What needs correcting for {name}?",
    "choice_field_name": "Name",
    "choice_field_sex": "Sex",
    "choice_field_birth_date": "Birth date",
    "correct_done": "✅ {name}'s data is corrected ({field}). {count} results were recomputed.",
    "media_not_read": "Thank you! Tumbuh can't read {kind} yet. Please send the numbers as text, e.g.: "
                      "_weight 9.1 height 76_",
    "kind_image": "photos",
    "kind_audio": "voice messages",
    "kind_video": "videos",
    "kind_document": "documents",
    "kind_sticker": "stickers",
    "kind_other": "this kind of message",
    "location_thanks": "Thanks for sharing your location. Tumbuh doesn't use locations yet; type MENU to go on.",
    "slow_down": "That's a lot of messages in a short time. Please wait a moment, then send again. 🙏",
    "history_none": "No measurements yet for {name}.",
    "history_header": "📈 History of {name}:",
    "history_line": "• {measured_on}: weight {weight_kg} kg, {lenhei_label} {lenhei_cm} cm — {summary}{gain}",
    "join_2": "{a}, {b}",
    "join_3": "{a}, {b}, {c}",
    "gain_word_N": ", weight up",
    "gain_word_T": ", weight not up",
    "gain_word_none": "",
    "reminders_info": "Reminders come shortly before the monthly weighing at the posyandu.",
    "reminders_off": "Reminders are off. Type MULAI to turn them on.",
    "ask_again_later": "Sorry, Tumbuh is having trouble. Please try again in a few minutes.",
    # --- growth charts ---
    # Drawn inside the picture with a plain Latin font: no emoji, and "-" (not "−") for minus.
    "chart_title_lfa": "Length/height-for-age",
    "chart_title_wfa": "Weight-for-age",
    "chart_title_wfl": "Weight-for-length",
    "chart_title_wfh": "Weight-for-height",
    "chart_subtitle": "{name}, {sex}",
    "chart_sex_m": "boy",
    "chart_sex_f": "girl",
    "chart_axis_age_months": "Age (months)",
    "chart_axis_lenhei_cm": "Length/height (cm)",
    "chart_axis_length_cm": "Length (cm)",
    "chart_axis_height_cm": "Height (cm)",
    "chart_axis_weight_kg": "Weight (kg)",
    "chart_source": "Lines: WHO standard",
    "chart_caption_none": "The green line is the WHO average for healthy children.",
    "chart_caption_lfa_severely_stunted": "The latest point is below the red line (-3): severely short for age, "
                                          "please see the puskesmas.",
    "chart_caption_lfa_stunted": "The latest point is below the yellow line (-2): short for age (stunting), talk "
                                 "with the midwife or cadre.",
    "chart_caption_lfa_normal": "The latest point is between the yellow line (-2) and the grey line (+3): height is "
                                "right for age.",
    "chart_caption_lfa_tall": "The latest point is above the grey line (+3): taller than most children of this age.",
    "chart_caption_wfa_severely_underweight": "The latest point is below the red line (-3): severely underweight "
                                              "(BGM), please see the puskesmas today.",
    "chart_caption_wfa_underweight": "The latest point is below the yellow line (-2): underweight for age.",
    "chart_caption_wfa_normal": "The latest point is between the yellow line (-2) and the orange line (+1): weight "
                                "is right for age.",
    "chart_caption_wfa_risk_of_overweight": "The latest point is above the orange line (+1): at risk of overweight; "
                                            "see the midwife to confirm with weight-for-height.",
    "chart_caption_wfl_severely_wasted": "The latest point is below the red line (-3): severely thin (severe "
                                         "wasting), please see the puskesmas today.",
    "chart_caption_wfl_wasted": "The latest point is below the yellow line (-2): thin for length/height (wasting).",
    "chart_caption_wfl_normal": "The latest point is between the two yellow lines (-2 and +1): weight is right for "
                                "length/height.",
    "chart_caption_wfl_possible_risk_of_overweight": "The latest point is between the yellow line (+1) and the "
                                                     "orange line (+2): at risk of overweight.",
    "chart_caption_wfl_overweight": "The latest point is between the orange line (+2) and the red line (+3): "
                                    "overweight.",
    "chart_caption_wfl_obese": "The latest point is above the red line (+3): obese, talk with the midwife or cadre.",
    # --- reminders (shared/services/reminders.py) ---
    "reminder_measurement": "Hello 👋 It is time for *{name}* to be weighed and measured again (around {due_on}) at "
                            "{posyandu}. Weighing every month shows whether {name} is growing well.",
    "reminder_recheck": "Hello 👋 Two weeks ago *{name}*'s measurement needed attention. Please weigh and measure "
                        "{name} again (around {due_on}) at {posyandu} or the puskesmas, to see whether it is better.",
    "reminder_followup": "Hello 👋 Yesterday Tumbuh advised taking *{name}* to the puskesmas. Have you been? If not, "
                         "please go today.",
    "reminder_bulan_penimbangan": "Hello 👋 February and August are *Weighing Months*: every child under five is "
                                  "weighed and measured and gets vitamin A. Please bring *{name}* to {posyandu} next "
                                  "month.",
    "reminder_age_out": "Happy 5th birthday to *{name}*! 🎉 Tumbuh follows children up to 5 years, so the reminders "
                        "for {name} end here. For later check-ups, please visit the puskesmas or the school health "
                        "service.",
    "reminder_posyandu_any": "the posyandu",
    "reminder_button_done": "Already weighed",
    "reminder_button_done_followup": "Been to puskesmas",
    "reminder_button_later": "Remind me tomorrow",
    "reminder_button_stop": "Stop",
    "reminder_later_ok": "All right, Tumbuh will remind you about {name} again tomorrow. 🙏",
    "reminder_followup_thanks": "Thank you for taking {name} to the puskesmas. 🙏 Follow the midwife's or nutrition "
                                "officer's advice, and weigh again as scheduled.",
    "reminder_gone": "That reminder no longer applies.",
    "kader_day_list": "📋 *Posyandu day tomorrow* — Posyandu {posyandu}, {day}\n"
                      "Children to weigh: *{due}*\n\n"
                      "*Not weighed last month (O):* {missed}\n\n"
                      "*Need attention (at risk or 2T):* {risk}\n\n"
                      "Tomorrow, tap the button below to start recording, one line per child.",
    "kader_day_start": "Start posyandu day",
    "kader_bulan_penimbangan": "📋 *Weighing Month* from {month} — Posyandu {posyandu}\n"
                               "*{due}* children under five to weigh, measure and give vitamin A: {names}.\n\n"
                               "Families using Tumbuh were reminded today.",
    "kader_day_none": "none",
    "kader_day_more": "{names}, and {more} more",
    "staff_notice_followup": "🔔 *{name}* ({birth_date}), Posyandu {posyandu}: the measurement of {measured_on} "
                             "advised the puskesmas that same day. Yesterday Tumbuh asked whether the child was taken, "
                             "but the family has not answered. Please contact the family.",
    # --- the Sheet: rows, recap ---
    "sheet_by_family": "Parent (WhatsApp)",
    "sheet_by_sheet": "Cadre (in the Sheet)",
    "sheet_reminder_measurement": "Monthly weighing",
    "sheet_reminder_recheck": "Re-check (2 weeks)",
    "sheet_reminder_followup": "Ask: been to the puskesmas?",
    "sheet_reminder_bulan_penimbangan": "Weighing Month",
    "sheet_reminder_age_out": "Age 5: follow-up ends",
    "sheet_band": "{low}–{high} mo",
    "sheet_band_all": "All (0–59 mo)",
    "sheet_title": "Tumbuh - Posyandu {posyandu}",
    "sheet_role_kader": "Cadre",
    "sheet_role_bidan": "Midwife",
    "sheet_role_admin": "Admin",
    "sheet_note_problem": "{column}: {why}",
    "sheet_note_incomplete": "Not saved in Tumbuh yet. Please fill in: {items}.",
    "sheet_missing": "{column}",
    "sheet_missing_age": "{column} (or the age in months when the birth date is not known)",
    "sheet_missing_measurement": "{column} or length/height",
    "sheet_bad_id": "Tumbuh fills this column; leave it empty on a new row.",
    "sheet_unknown_row": "Tumbuh does not know this id in this posyandu. Leave it empty on a new row.",
    "sheet_unknown_child": "Tumbuh does not know this child id in this posyandu. Leave it empty to find the child "
                           "by name and birth date.",
    "sheet_over_five": "the child is 5 years or older on the measuring day: outside the WHO standard for under-fives. "
                       "Please see the puskesmas.",
    "sheet_invalid_sex": "fill in L (boy) or P (girl).",
    "sheet_invalid_measure": "fill in PB (measured lying) or TB (measured standing).",
    "sheet_invalid_yes_no": "fill in Ya (yes) or Tidak (no).",
    "sheet_shared_sheet_needs_child": "Several posyandu share this Sheet: fill in the child's ID from the Anak tab.",
    "sheet_other_child": "this row now names another child. A measurement is not moved to another child from the "
                         "Sheet: put the row back as it was, then type a new row (empty ID) for that child.",
    "sheet_delete_ask": "In Posyandu {posyandu}'s Sheet, the row of *{name}*'s measurement of {measured_on} was "
                        "deleted. Delete it from Tumbuh too? If it was a slip, choose *Restore*: the row comes back.",
    "sheet_delete_yes": "Delete",
    "sheet_delete_no": "Restore",
    "sheet_delete_done": "{name}'s measurement of {measured_on} is deleted from Tumbuh.",
    "sheet_delete_kept": "All right, {name}'s measurement of {measured_on} is kept and will be back in the Sheet.",
    "sheet_delete_gone": "That measurement is no longer in Tumbuh (it may have been deleted already).",
    # --- the Sheet ---
    "sheet_urgency_routine": "routine",
    "sheet_urgency_soon": "check this week",
    "sheet_urgency_today": "refer today",
    "sheet_urgency_now": "refer NOW",
    "sheet_remeasure": "measure again",
    # --- operator alerts ---
    "alert_opened": "OPEN, needs attention",
    "alert_closed": "CLOSED, back to normal",
    "alert_started": "{day} at {hours}:{minutes} WIB",
}

MESSAGES = {"id": ID, "en": EN}


class Ref(str):
    """A parameter that is itself a catalogue key, rendered in the same language (e.g. a category name),
    optionally with parameters of its own."""

    params: dict

    def __new__(cls, key: str, **params):
        obj = super().__new__(cls, key)
        obj.params = params
        return obj


class Join(tuple):
    """A parameter that is a list of values (catalogue refs, numbers...), each rendered, joined with commas."""


def birth_date_text(day: date | None) -> date | Ref:
    """A birth date to show, or the words for a birth date that is not known (an age was given instead)."""
    return day if day is not None else Ref("birth_date_unknown")


def age_text(age_months: int) -> Ref:
    """Age in completed months as the Permenkes shows it (bulan penuh), e.g. '1 th 3 bln'."""
    years, months = divmod(age_months, 12)
    if years and months:
        return Ref("age_ym", years=years, months=months)
    return Ref("age_y", years=years) if years else Ref("age_m", months=months)


class Signed(float):
    """A change, written with its sign ("+0,6", "-10") and the person's decimal mark."""


def fmt(value, lang: str) -> str:
    """A value as the person reads it: decimal comma in Indonesian, dates with the month's name."""
    if isinstance(value, Ref):
        return render(str(value), lang, **value.params)
    if isinstance(value, Join):
        return ", ".join(fmt(v, lang) for v in value)
    if isinstance(value, Signed):
        return ("+" if value > 0 else "-" if value < 0 else "") + fmt(abs(float(value)), lang)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
        return text.replace(".", ",") if lang == "id" else text
    if isinstance(value, date):
        return f"{value.day} {MONTHS.get(lang, MONTHS['id'])[value.month - 1]} {value.year}"
    return str(value)


def render(key: str, lang: str = DEFAULT_LANGUAGE, **params) -> str:
    """The text of a catalogue key in a language (Indonesian when the key or language is missing)."""
    table = MESSAGES.get(lang, ID)
    template = table.get(key) or ID[key]
    return template.format(**{k: fmt(v, lang) for k, v in params.items()}) if params else template
