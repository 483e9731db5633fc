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
        "ke kader posyandu/puskesmas Anda. Anda bisa berhenti kapan saja (ketik STOP) atau menghapus semua data "
        "(ketik HAPUS).\n\nApakah Anda setuju?"
    ),
    "consent_thanks": "Terima kasih, Bunda/Ayah. 🙏 Data akan dijaga baik-baik.",
    "consent_declined": (
        "Baik, tidak apa-apa. Tumbuh tidak menyimpan data apa pun. Kalau berubah pikiran, kirim saja *Halo*."
    ),
    "language_set": "Baik, Tumbuh akan memakai Bahasa Indonesia.",
    "ask_language": "Pilih bahasa:",
    # --- menu ---
    "menu": "Apa yang ingin dilakukan? Pilih dari menu, atau langsung kirim data anak, misalnya:\n"
            "_cowok lahir 3 Jan 2024 bb 9,1 tb 76 cm_",
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
        "• Kirim data anak dalam satu pesan: _cewek lahir 21-04-2023 bb 8,2 pb 70_\n"
        "• Atau pilih *Cek pertumbuhan* di menu dan jawab pertanyaannya.\n"
        "• Angka boleh pakai koma atau titik (12,5 atau 12.5).\n\n"
        "Kata yang bisa dipakai kapan saja:\n"
        "MENU – kembali ke menu · BATAL – batalkan · BANTUAN – bantuan ini · BAHASA – ganti bahasa\n"
        "STOP – berhenti terima pengingat · MULAI – terima pengingat lagi · HAPUS – hapus semua data"
    ),
    "cancelled": "Baik, dibatalkan.",
    "session_expired": "Percakapan sebelumnya sudah lama, jadi kita mulai dari awal ya.",
    "too_many_tries": "Sepertinya ada yang kurang jelas. Tidak apa-apa, silakan pilih dari menu.",
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
    "ask_oedema": "Apakah kedua punggung kaki anak bengkak dan bekas tekanan jari tetap cekung (edema)?",
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
    "kader_menu": "Halo Kader {name} 👋 Posyandu {posyandu}. Ketik nama anak untuk mengukur, atau pilih:",
    "kader_ask_child": "Ketik nama anak yang diukur (sebagian nama juga boleh), atau pilih *Anak baru*.",
    "kader_no_match": "Tidak ada anak bernama \"{query}\" di posyandu ini. Coba ejaan lain, atau pilih *Anak baru*.",
    "kader_ask_parent_phone": "Nomor WhatsApp orang tua? (misalnya 0812 3456 7890) Hasil akan dikirim kepada "
                              "mereka bila sudah setuju memakai Tumbuh. Kalau tidak ada, pilih *Lewati*.",
    "invalid_phone": "Nomor belum terbaca. Tulis nomor HP Indonesia, misalnya 0812 3456 7890.",
    "kader_saved": "✅ Tercatat oleh kader untuk posyandu.",
    "kader_parent_notified": "📨 Hasil juga dikirim ke orang tua.",
    "kader_only": "Fitur ini untuk orang tua. Sebagai kader, ketik MENU untuk mengukur anak.",
    "choice_kader_measure": "Ukur anak",
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
    "gain_not_gained": "⚖️ Berat *tidak naik* cukup sejak {previous_on}: {gain_g} g, padahal minimal {required_g} g.",
    "gain_two_t": "⚠️ Ini kedua kalinya berturut-turut berat tidak naik (2T). Segera bawa anak ke posyandu atau "
                  "puskesmas.",
    "gain_bgm": "⚠️ Berat anak di bawah garis merah (BGM). Segera bawa anak ke puskesmas.",
    "summary_good": "Pertumbuhan {name} sesuai standar. Pertahankan! 💚",
    "summary_stunted": "Tinggi {name} kurang untuk umurnya (*stunting*). Ini bisa dikejar, terutama sebelum umur 2 tahun.",
    "summary_wasted": "{name} terlalu kurus untuk tinggi badannya (*wasting*).",
    "summary_underweight": "Berat {name} kurang untuk umurnya.",
    "summary_over": "Berat {name} lebih dari seharusnya untuk tinggi/umurnya.",
    "advice_severe": "🚑 *Segera bawa {name} ke puskesmas hari ini atau besok.* Hasil ini perlu diperiksa tenaga "
                     "kesehatan secepatnya. Tunjukkan pesan ini kepada bidan atau petugas gizi.",
    "advice_stunted": "🍽️ Yang bisa dilakukan:\n• Beri protein hewani setiap hari: telur, ikan, ayam, hati, susu.\n"
                      "• Makan 3 kali sehari dan 1–2 kali selingan, porsi sesuai umur.\n"
                      "• Lanjutkan ASI sampai 2 tahun bila masih menyusu.\n"
                      "• Konsultasikan ke bidan/puskesmas untuk pemeriksaan lebih lanjut.",
    "advice_wasted": "🍽️ Yang bisa dilakukan:\n• Beri makanan padat gizi lebih sering: telur, ikan, daging, kacang.\n"
                     "• Tambahkan minyak/santan pada MP-ASI untuk menambah energi.\n"
                     "• Periksakan ke puskesmas: anak yang kurus perlu dipantau tenaga kesehatan.",
    "advice_underweight": "🍽️ Tambahkan protein hewani (telur, ikan, ayam) setiap hari dan timbang lagi bulan depan "
                          "di posyandu.",
    "advice_over": "🥗 Kurangi minuman manis dan camilan, perbanyak sayur dan buah, dan ajak anak aktif bergerak. "
                   "Diskusikan dengan bidan/kader saat posyandu.",
    "advice_infant": "🤱 Untuk bayi di bawah 6 bulan: ASI saja (ASI eksklusif), sesering bayi mau.",
    "advice_mpasi": "🥣 Mulai umur 6 bulan: MP-ASI yang kaya protein hewani, tetap lanjutkan ASI.",
    "advice_good": "🍽️ Teruskan makan bergizi seimbang dengan protein hewani setiap hari, dan timbang rutin tiap "
                   "bulan di posyandu.",
    "next_check": "📅 Timbang dan ukur lagi sekitar *{next_on}* di posyandu.",
    "not_advice_note": "_Ini bukan diagnosis. Untuk kepastian, periksakan ke tenaga kesehatan._",
    "remeasure": "🔁 Angka ini sepertinya tidak biasa untuk anak seumur {name} ({detail}). Mohon ukur ulang dengan "
                 "hati-hati lalu kirim lagi. Data tetap dicatat untuk diperiksa petugas.",
    "remeasure_standing_young": "anak di bawah 9 bulan sebaiknya diukur berbaring",
    "remeasure_flag": "{indicator} di luar batas wajar",
    "remeasure_weight_jump": "berat berubah {change} kg dari pengukuran sebelumnya",
    "outside_standard": "Maaf, Tumbuh saat ini hanya menghitung untuk anak di bawah 5 tahun.",
    # --- global words ---
    "confirm_stop": "Berhenti menerima pengingat dari Tumbuh? Data anak tetap tersimpan; ketik MULAI untuk "
                    "menerima pengingat lagi.",
    "stop_done": "Baik, Tumbuh tidak akan mengirim pengingat lagi. Ketik MULAI kapan saja untuk menerimanya lagi.",
    "start_done": "Pengingat aktif kembali. 👍",
    "confirm_delete": "⚠️ Hapus *semua* data keluarga Anda dari Tumbuh (anak, hasil ukur, pengingat)? "
                      "Ini tidak bisa dibatalkan.",
    "delete_done": "Semua data Anda sudah dihapus dari Tumbuh, termasuk dari lembar kerja kader. Terima kasih sudah "
                   "memakai Tumbuh. 🙏",
    "nothing_to_delete": "Tumbuh tidak menyimpan data apa pun tentang nomor ini.",
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
    # --- growth charts (issue 5) ---
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
}

EN: dict[str, str] = {
    "welcome_consent": (
        "Hello! 👋 I'm *Tumbuh*, here to help you follow your child's growth.\n\n"
        "Send your child's sex, birth date, weight and length/height. Tumbuh works out their nutritional status "
        "with the WHO standards and Indonesia's Permenkes No. 2/2020, explains what it means, and reminds you "
        "of the next weighing.\n\n"
        "*Data consent* (Law No. 27/2022): to do this Tumbuh stores your WhatsApp number and your child's name, "
        "birth date and measurements. They are used only to monitor growth and may be shared with your "
        "posyandu cadre/puskesmas. You can stop any time (type STOP) or delete everything (type HAPUS).\n\n"
        "Do you agree?"
    ),
    "consent_thanks": "Thank you. 🙏 Your data will be kept safe.",
    "consent_declined": "That's fine. Tumbuh has stored nothing. If you change your mind, just send *Hello*.",
    "language_set": "OK, Tumbuh will use English.",
    "ask_language": "Choose a language:",
    "menu": "What would you like to do? Pick from the menu, or just send your child's details, e.g.:\n"
            "_boy born 3 Jan 2024 weight 9.1 height 76 cm_",
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
        "• Send everything in one message: _girl born 21-04-2023 weight 8.2 length 70_\n"
        "• Or pick *Check growth* in the menu and answer the questions.\n"
        "• Decimals may use a comma or a point (12,5 or 12.5).\n\n"
        "Words that work any time:\n"
        "MENU – back to the menu · BATAL – cancel · BANTUAN – this help · BAHASA – language\n"
        "STOP – no more reminders · MULAI – reminders again · HAPUS – delete all data"
    ),
    "cancelled": "OK, cancelled.",
    "session_expired": "Our last conversation was a while ago, so let's start again.",
    "too_many_tries": "Something seems unclear. No problem, please pick from the menu.",
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
    "ask_oedema": "Are both of the child's feet swollen, with a dent that stays after pressing with a thumb (oedema)?",
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
    "kader_menu": "Hello cadre {name} 👋 Posyandu {posyandu}. Type a child's name to measure, or pick:",
    "kader_ask_child": "Type the name of the child being measured (part of the name is fine), or pick *New child*.",
    "kader_no_match": "No child named \"{query}\" at this posyandu. Try another spelling, or pick *New child*.",
    "kader_ask_parent_phone": "The parent's WhatsApp number? (e.g. 0812 3456 7890) They get the result once they "
                              "have agreed to use Tumbuh. If there is none, pick *Skip*.",
    "invalid_phone": "I couldn't read the number. Write an Indonesian mobile number, e.g. 0812 3456 7890.",
    "kader_saved": "✅ Recorded by the cadre for the posyandu.",
    "kader_parent_notified": "📨 The result was also sent to the parent.",
    "kader_only": "This is for parents. As a cadre, type MENU to measure a child.",
    "choice_kader_measure": "Measure a child",
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
    "gain_not_gained": "⚖️ Weight *did not go up* enough since {previous_on}: {gain_g} g, but at least {required_g} g "
                       "is needed.",
    "gain_two_t": "⚠️ This is the second time in a row that weight did not go up (2T). Please take your child to "
                  "the posyandu or puskesmas soon.",
    "gain_bgm": "⚠️ Your child's weight is below the red line (BGM). Please take your child to the puskesmas soon.",
    "summary_good": "{name} is growing according to the standard. Keep it up! 💚",
    "summary_stunted": "{name} is short for their age (*stunting*). This can improve, especially before age 2.",
    "summary_wasted": "{name} is too thin for their height (*wasting*).",
    "summary_underweight": "{name}'s weight is low for their age.",
    "summary_over": "{name} weighs more than expected for their height/age.",
    "advice_severe": "🚑 *Please take {name} to the puskesmas today or tomorrow.* This result needs a health worker "
                     "soon. Show this message to the midwife or nutrition officer.",
    "advice_stunted": "🍽️ What helps:\n• Animal protein every day: eggs, fish, chicken, liver, milk.\n"
                      "• 3 meals and 1–2 snacks a day, portions right for the age.\n"
                      "• Keep breastfeeding up to 2 years if still breastfed.\n"
                      "• See the midwife/puskesmas for a check-up.",
    "advice_wasted": "🍽️ What helps:\n• Energy- and protein-rich food more often: eggs, fish, meat, beans.\n"
                     "• Add oil or coconut milk to complementary food for energy.\n"
                     "• Have the puskesmas check your child: a thin child needs a health worker's follow-up.",
    "advice_underweight": "🍽️ Add animal protein (eggs, fish, chicken) every day and weigh again next month at the "
                          "posyandu.",
    "advice_over": "🥗 Cut sweet drinks and snacks, add vegetables and fruit, and keep your child active. Talk to "
                   "the midwife/cadre at the posyandu.",
    "advice_infant": "🤱 Under 6 months: breast milk only (exclusive breastfeeding), as often as the baby wants.",
    "advice_mpasi": "🥣 From 6 months: complementary food rich in animal protein, and keep breastfeeding.",
    "advice_good": "🍽️ Keep up balanced meals with animal protein every day, and weigh monthly at the posyandu.",
    "next_check": "📅 Weigh and measure again around *{next_on}* at the posyandu.",
    "not_advice_note": "_This is not a diagnosis. For certainty, see a health worker._",
    "remeasure": "🔁 These numbers look unusual for a child of {name}'s age ({detail}). Please measure again "
                 "carefully and send them again. They are recorded for a health worker to check.",
    "remeasure_standing_young": "children under 9 months should be measured lying down",
    "remeasure_flag": "{indicator} is outside the plausible range",
    "remeasure_weight_jump": "weight changed {change} kg since the last measurement",
    "outside_standard": "Sorry, Tumbuh currently only assesses children under 5.",
    "confirm_stop": "Stop receiving reminders from Tumbuh? Your children's data stays; type MULAI to get reminders "
                    "again.",
    "stop_done": "OK, Tumbuh won't send reminders any more. Type MULAI any time to get them again.",
    "start_done": "Reminders are on again. 👍",
    "confirm_delete": "⚠️ Delete *all* your family's data from Tumbuh (children, measurements, reminders)? "
                      "This cannot be undone.",
    "delete_done": "All your data has been deleted from Tumbuh, including from the cadre's sheet. Thank you for "
                   "using Tumbuh. 🙏",
    "nothing_to_delete": "Tumbuh holds no data about this number.",
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
    # --- growth charts (issue 5) ---
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
}

MESSAGES = {"id": ID, "en": EN}


class Ref(str):
    """A parameter that is itself a catalogue key, rendered in the same language (e.g. a category name),
    optionally with parameters of its own."""

    def __new__(cls, key: str, **params):
        obj = super().__new__(cls, key)
        obj.params = params
        return obj


def fmt(value, lang: str) -> str:
    """A value as the person reads it: decimal comma in Indonesian, dates with the month's name."""
    if isinstance(value, Ref):
        return render(str(value), lang, **value.params)
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
