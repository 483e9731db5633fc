"""The dashboard's Flask app: routes, the signed-in person on every request, security headers, CSRF.

functions/dashboard/main.py reads the request's body within the webhook's bounds (runtime.Instance.public), then
hands the request here (`dispatch`). Pages are server-rendered (Jinja2, autoescaped) and work without JavaScript.
Every read goes through the dashboard port with the signed-in person's Scope; nothing here queries by itself.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import wraps
from typing import Callable
from zoneinfo import ZoneInfo

from flask import Flask, Request, Response, abort, g, redirect, render_template, request, url_for

from shared.dashboard import messages, pages_reports, pages_staff, session
from shared.domain.dashboard import ChildView
from shared.domain.growth import LengthForAge, WeightForAge, WeightForLength, ages
from shared.domain.model import Measurement
from shared.ports import DashboardPorts, Scope, StaffSession
from shared.services import results, staff_login

log = logging.getLogger(__name__)

ASSETS = "/aset"  # where the dashboard's CSS, script and icons are served
LANG_COOKIE = "tumbuh_bahasa"
MAX_FORM_BYTES = 64 * 1024  # a sign-in or search form is a few hundred bytes
TODAY_LIMIT = 200
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
       "object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass
class Kit:
    """What a page module (shared/dashboard/pages_*.py) gets to register its routes with: the context, the clock,
    and the `signed_in` decorator (g.staff and g.scope set, or a redirect to sign-in)."""

    context: "Context"
    now: Callable[[], datetime]
    today: Callable[[], date]
    signed_in: Callable


@dataclass
class Context:
    """What the app needs from the function: the dashboard's ports (built on first use), its keys, the zone."""

    ports: Callable[[], DashboardPorts]
    keys: session.Keys
    tz: str
    behind_proxy: bool = False  # on Cloud Run: Google's front end appends the client's address to X-Forwarded-For


def create_app(context: Context) -> Flask:
    # Not /static: functions-framework's own Flask app answers /static/... from the function's folder first.
    app = Flask(__name__, static_url_path=ASSETS)
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES

    def now() -> datetime:
        return datetime.now(timezone.utc)

    def today() -> date:
        return now().astimezone(ZoneInfo(context.tz)).date()

    def language() -> str:
        staff = g.get("staff")
        chosen = request.cookies.get(LANG_COOKIE) or (staff.language if staff else "")
        return chosen if chosen in messages.LANGUAGES else messages.DEFAULT

    def client_address() -> str:
        """The address the sign-in limits count: the entry Google's front end appended (the last one; anything
        before it the client may have written itself), or the connection's own address locally."""
        forwarded = request.headers.get("X-Forwarded-For", "") if context.behind_proxy else ""
        return forwarded.rsplit(",", 1)[-1].strip() if forwarded else (request.remote_addr or "")

    def browser_id() -> str:
        if "browser_id" not in g:
            g.browser_id = request.cookies.get(session.BROWSER_COOKIE) or session.new_browser_id()
        return g.browser_id

    @app.context_processor
    def helpers() -> dict:
        lang = language()
        return {"t": lambda key, **kw: messages.text(key, lang, **kw), "lang": lang,
                "csrf": session.csrf_token(context.keys, browser_id()), "staff": g.get("staff")}

    @app.before_request
    def check_forms():
        if request.method == "POST":
            if not session.csrf_ok(context.keys, request.cookies.get(session.BROWSER_COOKIE),
                                   request.form.get("csrf")):
                return render_template("error.html", reason="csrf"), 400
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        if "browser_id" in g and request.cookies.get(session.BROWSER_COOKIE) != g.browser_id:
            response.set_cookie(session.BROWSER_COOKIE, g.browser_id, httponly=True, secure=True, samesite="Lax",
                                max_age=365 * 86400)
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"  # private pages: never from a shared or back cache
        token = g.get("refreshed_token")
        if token:
            _set_session_cookie(response, *token)
        return response

    def signed_in(view):
        """The view runs for a signed-in person (g.staff, g.scope); others go to the sign-in page."""
        @wraps(view)
        def wrapper(*args, **kwargs):
            moment = now()
            claims = session.read(context.keys, request.cookies.get(session.SESSION_COOKIE), moment)
            ports = context.ports()
            staff = staff_login.current(ports.access, claims.session_id, moment) if claims else None
            if staff is None or claims is None or staff.id != claims.staff_id:
                return redirect(url_for("sign_in_page"))
            g.staff, g.session_id = staff, claims.session_id
            g.scope = ports.reads.scope(staff)
            if claims.needs_refresh(moment):  # the session's own end is PostgreSQL's to enforce, at every request
                g.refreshed_token = session.issue(
                    context.keys, StaffSession(claims.session_id, staff.id, moment + session.TOKEN_LIFE), moment)
            return view(*args, **kwargs)
        return wrapper

    @app.get("/masuk")
    def sign_in_page():
        return render_template("sign_in.html", step="number", number="", outcome="")

    @app.post("/masuk")
    def ask_code():
        number = request.form.get("nomor", "")[:40]
        ports = context.ports()
        outcome = staff_login.request_code(ports.access, ports.guard, ports.messenger, number,
                                           client_address(), now(), context.keys.login, language())
        step = "code" if outcome == "code_sent" else "number"
        return render_template("sign_in.html", step=step, number=number, outcome=outcome), \
            (429 if outcome == "too_many" else 200)

    @app.post("/masuk/kode")
    def check_code():
        number = request.form.get("nomor", "")[:40]
        code = request.form.get("kode", "")[:20]
        ports = context.ports()
        moment = now()
        result = staff_login.sign_in(ports.access, ports.guard, number, code, client_address(), moment,
                                     context.keys.login)
        if isinstance(result, str):
            return render_template("sign_in.html", step="code", number=number, outcome=result), \
                (429 if result == "too_many" else 200)
        response = redirect(url_for("today_page"))
        _set_session_cookie(response, *session.issue(context.keys, result, moment))
        # Whatever an earlier person left on this phone (the offline copies of their pages) goes now.
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response

    @app.post("/keluar")
    @signed_in
    def sign_out():
        staff_login.sign_out(context.ports().access, g.session_id, now())
        g.refreshed_token = None
        response = redirect(url_for("sign_in_page"))
        response.delete_cookie(session.SESSION_COOKIE, secure=True, httponly=True, samesite="Lax")
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response

    @app.post("/bahasa")
    def choose_language():
        chosen = request.form.get("bahasa", "")
        target = request.form.get("kembali", "")
        response = redirect(target if target.startswith("/") and not target.startswith("//") else "/")
        if chosen in messages.LANGUAGES:
            response.set_cookie(LANG_COOKIE, chosen, secure=True, httponly=True, samesite="Lax",
                                max_age=365 * 86400)
        return response

    @app.get("/")
    @signed_in
    def today_page():
        scope: Scope = g.scope
        on = today()
        rows = context.ports().reads.today(scope, on, TODAY_LIMIT)
        tiers = [(tier, [r for r in rows if r.tier == tier]) for tier in ("now", "today", "soon")]
        return render_template("today.html", tiers=tiers, on=on, count=len(rows), limit=TODAY_LIMIT,
                               months=lambda born: ages.completed_months(born, on) if born else None)

    @app.get("/anak")
    @signed_in
    def children_page():
        text = request.args.get("q", "").strip()[:60]
        found = context.ports().reads.search(g.scope, text, 30) if len(text) >= 2 else []
        return render_template("children.html", q=text, found=found)

    # The growth charts the chat offers (results.chart_choices), in its order; the Permenkes indices a measurement's
    # row names, with the chat's short labels (before 731 days, from 731 days: the table the z-score used).
    chart_kinds = ("lfa", "wfa", "wfl")
    indices = (("weight_for_age", WeightForAge, ("kader_ind_wfa", "kader_ind_wfa")),
               ("length_for_age", LengthForAge, ("kader_ind_lfa_pb", "kader_ind_lfa_tb")),
               ("weight_for_length", WeightForLength, ("kader_ind_wfl_pb", "kader_ind_wfl_tb")))

    def chart_spec(view: ChildView, kind: str, lang: str) -> dict | None:
        """The chart the chat sends of this child (conversation.Dialogue.send_chart: its latest trusted
        measurements, oldest first); None when nothing fits it. The conversation module is imported here, on the
        child page's path only: every other page, sign-in included, starts without it."""
        from shared.services import conversation

        rows = [m for m in reversed(view.measurements[:conversation.CHART_POINTS]) if m.counts]
        return conversation.Dialogue.chart_spec(kind, view.child, rows, lang)

    def review_of(m: Measurement) -> str | None:
        """What became of a flagged value: "remeasure" (still waiting for a second measurement), "superseded" (a
        re-measure replaced it); None for a trusted value (nothing flagged, or confirmed)."""
        if m.review == "superseded":
            return "superseded"
        return "remeasure" if m.review == "remeasure" or not m.counts else None

    def categories(m: Measurement) -> list[tuple[str, str]]:
        """The stored assessment's Permenkes category of BB/U, PB/U-TB/U and BB/PB-BB/TB as chat catalogue keys
        (index label, category), as the chat's result names them; an index without a category is left out."""
        stored = m.assessment or {}
        age = stored.get("age_days")
        height = age >= ages.HEIGHT_FROM_DAY if isinstance(age, (int, float)) else m.measure == "h"
        out = []
        for indicator, classes, labels in indices:
            value = (stored.get(indicator) or {}).get("category")
            if stored.get("oedema") and indicator != "length_for_age":
                out.append((labels[height], "cat_not_assessed_oedema"))
            elif isinstance(value, str) and value in {c.value for c in classes}:
                out.append((labels[height], results.category_key(indicator, classes(value))))
        return out

    def message_words(kind: str, status: str) -> tuple[str, str]:
        """The catalogue keys naming an outbound message's kind and delivery status; a generic word for any
        other."""
        kind_key, status_key = f"msg_kind_{kind}", f"msg_status_{status}"
        return (kind_key if kind_key in messages.ID else "msg_kind_other",
                status_key if status_key in messages.ID else "msg_status_other")

    @app.get("/anak/<int:child_id>")
    @signed_in
    def child_page(child_id: int):
        reads = context.ports().reads
        view = reads.child(g.scope, child_id)
        if view is None:
            abort(404)
        reads.audit_view(g.staff.id, "child.view", "child", child_id)
        lang, zone = language(), ZoneInfo(context.tz)
        graphs = [(kind, spec["indicator"]) for kind in chart_kinds
                  if (spec := chart_spec(view, kind, lang)) is not None]
        return render_template("child.html", view=view, on=today(), graphs=graphs, review_of=review_of,
                               categories=categories, message_words=message_words,
                               local=lambda moment: moment.astimezone(zone),
                               months=lambda born: ages.completed_months(born, today()) if born else None)

    @app.get("/anak/<int:child_id>/grafik/<kind>.png")
    @signed_in
    def child_chart(child_id: int, kind: str):
        """A growth chart of a child in scope as PNG, drawn as the chat draws it, in the page's language."""
        if kind not in chart_kinds:
            abort(404)
        reads = context.ports().reads
        view = reads.child(g.scope, child_id)
        spec = chart_spec(view, kind, language()) if view is not None else None
        if spec is None:
            abort(404)
        reads.audit_view(g.staff.id, "child.chart", "child", child_id, {"kind": kind})
        from shared import charts  # drawing's code, on this route only

        png = charts.render_chart(spec["indicator"], spec["sex"], spec["points"], spec["lang"], spec["name"])
        return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})

    kit = Kit(context, now, today, signed_in)
    for page in (pages_reports, pages_staff):
        page.register(app, kit)

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("error.html", reason="not_found"), 404

    @app.errorhandler(413)
    def too_large(_error):
        return render_template("error.html", reason="too_large"), 413

    @app.get("/manifest.webmanifest")
    def manifest():
        return app.send_static_file("manifest.webmanifest"), 200, {"Content-Type": "application/manifest+json"}

    @app.get("/sw.js")
    def service_worker():
        response = app.send_static_file("sw.js")
        response.headers["Cache-Control"] = "no-cache"
        return response

    return app


def _set_session_cookie(response: Response, token: str, expires: datetime) -> None:
    response.set_cookie(session.SESSION_COOKIE, token, expires=expires, httponly=True, secure=True, samesite="Lax")


def dispatch(app: Flask, request: Request, body: bytes) -> Response:
    """Run the dashboard app on the function's request, whose body the caller has already read (within bounds)."""
    environ = dict(request.environ)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    with app.request_context(environ):
        return app.full_dispatch_request()
