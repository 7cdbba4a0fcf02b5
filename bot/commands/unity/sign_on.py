"""``GET/POST /unity/<slug>/sign``: the public sign-on form (SPEC §8), for an organisation that is not
in the chat. It asks for the organisation, the signer's name and title, and that they may sign for
it; the request goes privately to the coalition's steering members with Approve / Decline
(``bot/commands/unity/requests.py``), and nothing appears on the public page before approval.

Server-rendered, no JavaScript. In the reader's language (``Accept-Language``), else the coalition's.

- **CSRF**: a double-submit token. The page sets a random nonce in a ``SameSite=Strict``, HttpOnly
  cookie scoped to the form's path, and puts ``nonce.issued.signature`` in a hidden field, signed
  with HMAC under the configured form key (``FORM_SECRET``, else derived from the platform secrets:
  :attr:`bot.config.Settings.form_key`), so a form served by one process validates in any other
  and across restarts; a POST must bring both, matching, signed, and under two hours old. Only
  without any secret (the console) does a process make a key of its own; a token it did not sign
  fails gracefully: the form comes back with what was typed and a fresh token.
- **Rate limit**: at most ``PER_HOUR`` requests an hour from one client address (the socket's
  peer; behind a proxy, the proxy must pass the client through ``--forwarded-allow-ips``), kept in
  memory only: the address is never stored. With several processes the limit is per process (a
  client spread over three processes by the load balancer gets up to three times as many).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs

from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.commands.unity.requests import notify_steering
from bot.config import load_settings
from bot.core import i18n
from bot.core.clock import Clock, SystemClock
from bot.store.db import Database
from bot.store.models import Coalition
from bot.store.repo import Directory
from bot.store.unity_models import UnitySignRequest, UnityVersion
from bot.store.unity_repo import UnityRepo
from bot.web.pages import TEMPLATES, reader_language

LIMIT = 100  # characters per field, as in the chat's signing form
PER_HOUR = 5
TOKEN_AGE = 2 * 3600
MOST_BODY = 8 * 1024
COOKIE = "unity_csrf"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Vary": "Accept-Language",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str
    autocomplete: str
    hint: str = ""


class Tokens:
    """CSRF tokens signed by ``key`` (a random key of this process when none is given)."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or secrets.token_bytes(32)

    def _sign(self, slug: str, nonce: str, issued: str) -> str:
        return hmac.new(self.key, f"{slug}|{nonce}|{issued}".encode(), hashlib.sha256).hexdigest()

    def issue(self, slug: str, nonce: str, now: float) -> str:
        """A token for one submission: each form shown gets its own (a random part after the time),
        so the token can be used once (:func:`used_token`) without two open forms sharing one."""
        issued = f"{int(now)}-{secrets.token_hex(4)}"
        return f"{nonce}.{issued}.{self._sign(slug, nonce, issued)}"

    def valid(self, slug: str, token: str, cookie: str | None, now: float) -> bool:
        nonce, _, rest = token.partition(".")
        issued, _, signature = rest.partition(".")
        seconds = issued.partition("-")[0]
        if not (cookie and nonce and seconds.isdigit() and hmac.compare_digest(nonce, cookie)):
            return False
        if not 0 <= now - int(seconds) <= TOKEN_AGE:
            return False
        return hmac.compare_digest(signature, self._sign(slug, nonce, issued))


def used_token(token: str) -> str:
    """What a request keeps of the token it was sent with: the same form sent twice (a double click,
    a replayed POST) makes one request."""
    return hashlib.sha256(token.encode()).hexdigest()


class RateLimit:
    """At most ``most`` hits an hour per address, in memory."""

    def __init__(self, most: int = PER_HOUR, window: float = 3600) -> None:
        self.most, self.window = most, window
        self.hits: dict[str, deque[float]] = {}

    def allow(self, address: str, now: float) -> bool:
        if len(self.hits) > 10_000:
            self.hits = {a: h for a, h in self.hits.items() if h and now - h[-1] < self.window}
        hits = self.hits.setdefault(address, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.most:
            return False
        hits.append(now)
        return True


async def open_statement(db: Database, slug: str, now: datetime) -> tuple[Coalition | None, UnityVersion | None]:
    async with db.session() as session:
        coalition = await Directory(session).coalition_by_slug(slug)
        if coalition is None or coalition.id is None:
            return None, None
        version = await UnityRepo(session, coalition.id).published()
        return coalition, version


def is_closed(version: UnityVersion, now: datetime) -> bool:
    return version.closed_at is not None or (version.deadline is not None and now >= version.deadline)


def render_form(
    coalition: Coalition,
    version: UnityVersion,
    lang: str,
    *,
    csrf: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    sent: bool = False,
    closed: bool = False,
) -> str:
    values = values or {}
    with i18n.language(lang) as chosen:
        fields = [
            Field("organisation", i18n._("Organisation"), values.get("organisation", ""), "organization"),
            Field(
                "name",
                i18n._("Your name"),
                values.get("name", ""),
                "name",
                i18n._("Shown publicly with the signature."),
            ),
            Field(
                "title",
                i18n._("Your title"),
                values.get("title", ""),
                "organization-title",
                i18n._("Shown publicly, e.g. Executive Director."),
            ),
        ]
        return TEMPLATES.get_template("unity_sign.html").render(
            lang=chosen,
            coalition=coalition.name,
            coalition_html=Markup('<bdi dir="auto">{}</bdi>').format(coalition.name),
            version=version.number,
            statement_url=f"/unity/{coalition.slug}",
            csrf=csrf,
            fields=fields,
            limit=LIMIT,
            authorised=values.get("authorised") == "yes",
            errors=errors or {},
            sent=sent,
            closed=closed,
        )


def check(values: dict[str, str]) -> dict[str, str]:
    """What is wrong with a request, by field, in the current language."""
    errors: dict[str, str] = {}
    missing = {
        "organisation": i18n._("Please give your organisation's name."),
        "name": i18n._("Please give your name."),
        "title": i18n._("Please give your title."),
    }
    for field, message in missing.items():
        value = values.get(field, "")
        if not value:
            errors[field] = message
        elif len(value) > LIMIT:
            errors[field] = i18n._(
                "At most {limit} characters, please ({length} now).",
                limit=i18n.number(LIMIT),
                length=i18n.number(len(value)),
            )
    if values.get("authorised") != "yes":
        errors["authorised"] = i18n._("Please confirm that you are authorised to sign for this organisation.")
    return errors


def sign_on_routes(db: Database, clock: Clock | None = None, *, tokens: Tokens | None = None) -> list[BaseRoute]:
    clock = clock or SystemClock()
    tokens = tokens or Tokens(load_settings().form_key)
    limit = RateLimit()

    def fresh(slug: str, request: Request) -> tuple[str, str]:
        nonce = request.cookies.get(COOKIE) or secrets.token_urlsafe(16)
        return nonce, tokens.issue(slug, nonce, clock.now().timestamp())

    def respond(html: str, lang: str, slug: str, request: Request, nonce: str, status: int = 200) -> Response:
        response = HTMLResponse(html, status_code=status, headers=HEADERS | {"Content-Language": lang})
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=TOKEN_AGE,
            path=f"/unity/{slug}/sign",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    def missing(lang: str) -> Response:
        with i18n.language(lang) as chosen:
            page = TEMPLATES.get_template("unity_missing.html").render(lang=chosen)
        return HTMLResponse(page, status_code=404, headers=HEADERS | {"Content-Language": chosen})

    async def form(request: Request) -> Response:
        slug: str = request.path_params["slug"]
        now = clock.now()
        coalition, version = await open_statement(db, slug, now)
        lang = reader_language(request.headers.get("accept-language"), coalition.language if coalition else None)
        if coalition is None or version is None:
            return missing(lang)
        nonce, csrf = fresh(slug, request)
        if request.method in ("GET", "HEAD"):
            sent = request.query_params.get("sent") == "1"
            html = render_form(coalition, version, lang, csrf=csrf, sent=sent, closed=is_closed(version, now))
            return respond(html, lang, slug, request, nonce)
        if is_closed(version, now):
            return respond(render_form(coalition, version, lang, closed=True), lang, slug, request, nonce, 410)
        body = await request.body()
        fields = parse_qs(body[:MOST_BODY].decode("utf-8", "replace"), keep_blank_values=True)
        values = {
            k: " ".join(v[0].split())
            for k, v in fields.items()
            if k in ("organisation", "name", "title", "authorised", "csrf")
        }
        if not tokens.valid(slug, values.get("csrf", ""), request.cookies.get(COOKIE), now.timestamp()):
            with i18n.language(lang):
                errors = {"csrf": i18n._("This form had expired. Please check what you typed and send it again.")}
            html = render_form(coalition, version, lang, csrf=csrf, values=values, errors=errors)
            return respond(html, lang, slug, request, nonce, 403)
        with i18n.language(lang):
            errors = check(values)
        if errors:
            html = render_form(coalition, version, lang, csrf=csrf, values=values, errors=errors)
            return respond(html, lang, slug, request, nonce, 400)
        address = request.client.host if request.client else "unknown"
        if not limit.allow(address, now.timestamp()):  # counts requests that would be stored, not typos
            with i18n.language(lang):
                errors = {"csrf": i18n._("Too many requests from this address. Please try again in an hour.")}
            html = render_form(coalition, version, lang, csrf=csrf, values=values, errors=errors)
            return respond(html, lang, slug, request, nonce, 429)
        done = RedirectResponse(f"/unity/{slug}/sign?sent=1", status_code=303, headers={"Cache-Control": "no-store"})
        token = used_token(values["csrf"])
        try:
            async with db.unit_of_work() as session:
                repo = UnityRepo(session, coalition.id or 0)
                if await repo.request_with_token(token) is not None:
                    return done  # this form was sent before: one request, one notice to steering
                entry = await repo.add_request(
                    UnitySignRequest(
                        coalition_id=coalition.id or 0,
                        version_id=version.id or 0,
                        organisation=values["organisation"],
                        signer_name=values["name"],
                        signer_title=values["title"],
                        requested_at=now,
                        form_token=token,
                    )
                )
                await notify_steering(session, coalition, entry, version)
        except IntegrityError:
            return done  # the same form, sent twice at once: the other one made the request
        return RedirectResponse(f"/unity/{slug}/sign?sent=1", status_code=303, headers={"Cache-Control": "no-store"})

    return [Route("/unity/{slug}/sign", form, methods=["GET", "HEAD", "POST"])]
