"""Dashboard pages: staff (routes registered by web.create_app).

An admin's management of the staff of their area (/petugas): the list, adding a member, and per member a change
of role and home posyandu, deactivation (every session of theirs ends at once) and reactivation. Anyone but an
admin gets 404, as for a page that does not exist. The rules (scope, no change to oneself, one number once) are
the StaffAccess port's, checked in its transaction; this module reads the forms, answers each POST with a redirect
carrying an outcome key, and shows the key's sentence from its catalogue (never text from the request). Logs carry
ids and outcome keys only.
"""
from __future__ import annotations

import logging
from functools import wraps
from typing import TYPE_CHECKING

from flask import Flask, abort, g, redirect, render_template, request, url_for

from shared.dashboard import messages
from shared.services import staff_login

if TYPE_CHECKING:  # web imports this module: the Kit is only a type here
    from shared.dashboard.web import Kit

log = logging.getLogger(__name__)

ROLES = ("kader", "bidan", "puskesmas", "admin")
WHOLE_AREA = "semua"  # the posyandu field's value for "no home posyandu" (a whole-deployment admin)
MAX_ID = 2 ** 63 - 1  # staff and posyandu ids are bigint
# Outcome keys the page has a sentence for (the port's); any other `status` in a URL shows nothing.
DONE = ("added", "changed", "unchanged", "deactivated", "reactivated")
REFUSED = ("already_staff", "bad_number", "bad_name", "bad_role", "posyandu_needed", "out_of_scope", "self")

WORDS = {
    "id": {
        "nav_staff": "Petugas",
        "staff_title": "Petugas",
        "staff_intro": "Kader, bidan, petugas puskesmas dan admin di wilayah Anda.",
        "staff_add_title": "Tambah petugas",
        "staff_name": "Nama",
        "staff_number": "Nomor WhatsApp",
        "staff_number_hint": "Contoh: 0812 3456 7890. Petugas masuk dengan kode yang dikirim ke nomor ini.",
        "staff_role": "Peran",
        "staff_posyandu": "Posyandu",
        "staff_posyandu_choose": "Pilih posyandu",
        "staff_whole_area": "Seluruh wilayah (khusus admin)",
        "staff_no_posyandu": "Belum ada posyandu di wilayah Anda.",
        "staff_add": "Tambah",
        "staff_list_title": "Daftar petugas ({count})",
        "staff_none": "Belum ada petugas di wilayah Anda.",
        "staff_you": "Anda",
        "staff_inactive": "nonaktif",
        "staff_active_yes": "Aktif",
        "staff_active_no": "Nonaktif",
        "staff_own_entry": "Ini akun Anda. Peran, posyandu dan status Anda hanya bisa diubah oleh admin lain.",
        "staff_change_title": "Ubah peran atau posyandu",
        "staff_save": "Simpan",
        "staff_deactivate": "Nonaktifkan",
        "staff_deactivate_hint": "Petugas tidak bisa masuk lagi, dan semua sesi masuknya langsung berakhir.",
        "staff_reactivate": "Aktifkan kembali",
        "staff_back": "Kembali ke daftar petugas",
        "staff_role_kader": "Kader",
        "staff_role_bidan": "Bidan",
        "staff_role_puskesmas": "Petugas puskesmas",
        "staff_role_admin": "Admin",
        "staff_status_added": "Petugas sudah ditambahkan. Mereka bisa masuk dengan nomor WhatsApp-nya.",
        "staff_status_changed": "Peran dan posyandu sudah diubah.",
        "staff_status_unchanged": "Tidak ada yang berubah.",
        "staff_status_deactivated": "Petugas sudah dinonaktifkan, dan semua sesi masuknya sudah berakhir.",
        "staff_status_reactivated": "Petugas sudah aktif kembali.",
        "staff_status_already_staff": "Nomor itu sudah terdaftar sebagai petugas, jadi tidak perlu ditambahkan lagi. "
                                      "Jika petugas itu nonaktif, aktifkan kembali dari daftar.",
        "staff_status_bad_number": "Nomor itu belum bisa dibaca. Tulis nomor WhatsApp seperti 0812 3456 7890.",
        "staff_status_bad_name": "Tulis nama petugas (paling banyak 100 huruf).",
        "staff_status_bad_role": "Pilih peran: kader, bidan, petugas puskesmas atau admin.",
        "staff_status_posyandu_needed": "Pilih posyandu tempat petugas ini bekerja.",
        "staff_status_out_of_scope": "Petugas atau posyandu itu di luar wilayah Anda. Tidak ada yang diubah.",
        "staff_status_self": "Anda tidak bisa mengubah atau menonaktifkan akun Anda sendiri. Minta admin lain.",
    },
    "en": {
        "nav_staff": "Staff",
        "staff_title": "Staff",
        "staff_intro": "Kader, midwives, health-centre staff and admins in your area.",
        "staff_add_title": "Add a staff member",
        "staff_name": "Name",
        "staff_number": "WhatsApp number",
        "staff_number_hint": "For example 0812 3456 7890. Staff sign in with a code sent to this number.",
        "staff_role": "Role",
        "staff_posyandu": "Posyandu",
        "staff_posyandu_choose": "Choose a posyandu",
        "staff_whole_area": "The whole area (admins only)",
        "staff_no_posyandu": "There is no posyandu in your area yet.",
        "staff_add": "Add",
        "staff_list_title": "Staff list ({count})",
        "staff_none": "No staff in your area yet.",
        "staff_you": "You",
        "staff_inactive": "inactive",
        "staff_active_yes": "Active",
        "staff_active_no": "Inactive",
        "staff_own_entry": "This is your own account. Only another admin can change your role, posyandu or status.",
        "staff_change_title": "Change role or posyandu",
        "staff_save": "Save",
        "staff_deactivate": "Deactivate",
        "staff_deactivate_hint": "They can no longer sign in, and every session of theirs ends at once.",
        "staff_reactivate": "Reactivate",
        "staff_back": "Back to the staff list",
        "staff_role_kader": "Kader",
        "staff_role_bidan": "Midwife (bidan)",
        "staff_role_puskesmas": "Health-centre staff",
        "staff_role_admin": "Admin",
        "staff_status_added": "The staff member was added. They can sign in with their WhatsApp number.",
        "staff_status_changed": "The role and posyandu were changed.",
        "staff_status_unchanged": "Nothing changed.",
        "staff_status_deactivated": "The staff member was deactivated, and every session of theirs has ended.",
        "staff_status_reactivated": "The staff member is active again.",
        "staff_status_already_staff": "That number is already registered as staff, so there is no need to add it "
                                      "again. If they are inactive, reactivate them from the list.",
        "staff_status_bad_number": "That number could not be read. Write a WhatsApp number like 0812 3456 7890.",
        "staff_status_bad_name": "Write the staff member's name (at most 100 letters).",
        "staff_status_bad_role": "Choose a role: kader, midwife, health-centre staff or admin.",
        "staff_status_posyandu_needed": "Choose the posyandu this person works for.",
        "staff_status_out_of_scope": "That person or posyandu is outside your area. Nothing was changed.",
        "staff_status_self": "You cannot change or deactivate your own account. Ask another admin.",
    },
}
messages.extend(WORDS)


def register(app: Flask, kit: Kit) -> None:
    """Add this module's routes to the app."""

    def admins_only(view):
        """The view runs for a signed-in admin; anyone else signed in gets 404 (nothing says the page exists)."""
        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.staff.role != "admin":
                abort(404)
            return view(*args, **kwargs)
        return kit.signed_in(wrapper)

    def show(person=None):
        access = kit.context.ports().access
        status = request.args.get("status", "")
        choices = access.posyandu_choices(g.scope)
        return render_template(
            "staff.html", person=person, people=access.staff_list(g.scope) if person is None else [],
            choices=choices, names=dict(choices), roles=ROLES, whole=g.staff.posyandu_id is None,
            whole_value=WHOLE_AREA, status=status if status in DONE + REFUSED else "", status_ok=status in DONE,
            local_number=_local_number)

    @app.get("/petugas")
    @admins_only
    def staff_page():
        return show()

    @app.get("/petugas/<int:staff_id>")
    @admins_only
    def staff_person_page(staff_id: int):
        found = kit.context.ports().access.staff_list(g.scope, staff_id) if staff_id <= MAX_ID else []
        if not found:
            abort(404)
        return show(found[0])

    @app.post("/petugas/tambah")
    @admins_only
    def staff_add():
        number = staff_login.normalise_number(request.form.get("nomor", "")[:40])
        posyandu = _posyandu(request.form.get("posyandu", ""))
        if number is None:
            outcome = "bad_number"
        elif isinstance(posyandu, str):
            outcome = posyandu
        else:
            outcome = kit.context.ports().access.add_staff(
                g.scope, number, request.form.get("nama", "")[:200], request.form.get("peran", ""), posyandu)
        _log("add", outcome, None)
        return redirect(url_for("staff_page", status=outcome))

    @app.post("/petugas/<int:staff_id>/ubah")
    @admins_only
    def staff_change(staff_id: int):
        posyandu = _posyandu(request.form.get("posyandu", ""))
        if isinstance(posyandu, str):
            outcome = posyandu
        else:
            outcome = kit.context.ports().access.change_staff(g.scope, staff_id, request.form.get("peran", ""),
                                                              posyandu) if staff_id <= MAX_ID else "out_of_scope"
        return _after("change", outcome, staff_id)

    @app.post("/petugas/<int:staff_id>/nonaktifkan")
    @admins_only
    def staff_deactivate(staff_id: int):
        return _active(staff_id, False)

    @app.post("/petugas/<int:staff_id>/aktifkan")
    @admins_only
    def staff_reactivate(staff_id: int):
        return _active(staff_id, True)

    def _active(staff_id: int, active: bool):
        outcome = kit.context.ports().access.set_active(g.scope, staff_id, active, kit.now()) \
            if staff_id <= MAX_ID else "out_of_scope"
        return _after("reactivate" if active else "deactivate", outcome, staff_id)

    def _after(action: str, outcome: str, staff_id: int):
        """Back to the person's page with the outcome, or to the list when the person is not the admin's."""
        _log(action, outcome, staff_id)
        if outcome == "out_of_scope":
            return redirect(url_for("staff_page", status=outcome))
        return redirect(url_for("staff_person_page", staff_id=staff_id, status=outcome))


def _posyandu(value: str) -> int | None | str:
    """The posyandu field: an id, None for the whole area, or the outcome key of a value that is neither."""
    value = value.strip()
    if value == WHOLE_AREA:
        return None
    if not value:
        return "posyandu_needed"
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_ID:
        return "out_of_scope"  # no posyandu has such an id: a forged form
    return int(value)


def _local_number(wa_id: str) -> str:
    """A number as Indonesians write it (0812…), for a wa_id of Indonesia (62…); others as +<digits>."""
    return "0" + wa_id[2:] if wa_id.startswith("62") else "+" + wa_id


def _log(action: str, outcome: str, staff_id: int | None) -> None:
    log.info("staff managed", extra={"ctx": {"action": action, "outcome": outcome, "admin_id": g.staff.id,
                                             "staff_id": staff_id}})
