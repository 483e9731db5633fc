"""The staff dashboard (functions/dashboard): a server-rendered web app, installable on a phone, for kader, bidan,
puskesmas nutrition officers and district admins. Sign-in with a WhatsApp one-time code, a short-lived JWT in a
cookie naming a session PostgreSQL can revoke, every read filtered by the person's scope
(shared.adapters.postgres.dashboard), security headers and CSRF on every form.

- `web`: the Flask app (routes, templates), dispatched from the function's request.
- `session`: the cookie's JWT, the CSRF tokens and the keys they are made with.
- `messages`: the catalogue of the pages' words, Bahasa Indonesia first, English second.
"""
