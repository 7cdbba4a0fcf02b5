"""``GET /unity/<slug>`` (HTML), ``/unity/<slug>.json`` and ``/unity/<slug>.csv``: the published
unity statement and the organisations that signed it.

Nothing is public until a version is published. The pages show what signers typed into the
public fields of the signing form (organisation, name, title) and the date; never platform ids,
member records or withdrawn signatures. HTML is autoescaped; CSV cells that a spreadsheet would
run as formulas are neutralised.

The HTML page is in the reader's language: the first of ours their browser asks for
(``Accept-Language``), else the coalition's, else English. Its sentences are gettext calls in the
template (``{{ _("Version {version}…", version=…) }}``, extracted by Babel's jinja2 method) and its
dates are Babel's. The JSON and CSV keep English keys and column names: scripts read them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.commands.common import csv_cell
from bot.core import i18n
from bot.core.clock import Clock, SystemClock
from bot.store.db import Database
from bot.store.repo import CoalitionRepo, Directory
from bot.store.unity_repo import UnityRepo
from bot.web.pages import HEADERS, TEMPLATES, negotiated, reader_language


@dataclass(frozen=True)
class PublicStatement:
    coalition: str
    slug: str
    version: int
    text: str
    published_at: datetime
    deadline: datetime | None
    closed: bool
    tz: str
    signatures: list[dict[str, Any]]

    def as_json(self) -> dict[str, object]:
        return {
            "coalition": self.coalition,
            "version": self.version,
            "statement": self.text,
            "published_at": self.published_at.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "signing_open": not self.closed,
            "signatories": [
                {
                    "organisation": s["organisation"],
                    "signer": s["signer"],
                    "title": s["title"],
                    "signed_at": s["signed_at"].isoformat(),
                }
                for s in self.signatures
            ],
        }


async def load_statement(db: Database, slug: str, now: datetime) -> tuple[str | None, PublicStatement | None]:
    """The coalition's language (None: no such coalition) and its published statement, if any."""
    async with db.session() as session:
        coalition = await Directory(session).coalition_by_slug(slug)
        if coalition is None or coalition.id is None:
            return None, None
        unity = UnityRepo(session, coalition.id)
        version = await unity.published()
        if version is None or version.published_at is None:
            return coalition.language, None
        names = {o.id: o.name for o in await CoalitionRepo(session, coalition.id).organisations()}
        signatures = [
            {
                "organisation": names.get(s.organisation_id, ""),
                "signer": s.signer_name,
                "title": s.signer_title,
                "signed_at": s.signed_at,
            }
            for s in await unity.signatures(version.id or 0)
        ]
        closed = version.closed_at is not None or (version.deadline is not None and now >= version.deadline)
        return coalition.language, PublicStatement(
            coalition.name,
            coalition.slug,
            version.number,
            version.text,
            version.published_at,
            version.deadline,
            closed,
            coalition.tz,
            signatures,
        )


def render_html(statement: PublicStatement, lang: str, *, url: str = "", sign_url: str = "") -> str:
    """The page; ``url`` (absolute) for the link preview, ``sign_url`` when the sign-on form is served."""
    tz = ZoneInfo(statement.tz)
    with i18n.language(lang) as chosen:
        deadline = ""
        if statement.deadline is not None:
            local = statement.deadline.astimezone(tz)
            deadline = i18n._(
                "{date}, {time} {zone}",
                date=i18n.date(local.date(), format="long"),
                time=i18n.time(statement.deadline, statement.tz),
                zone=local.tzname() or statement.tz,
            )
        return TEMPLATES.get_template("unity.html").render(
            lang=chosen,
            coalition=statement.coalition,
            coalition_html=Markup('<bdi dir="auto">{}</bdi>').format(statement.coalition),
            description=preview(statement),
            url=url,
            sign_url=sign_url,
            total=len(statement.signatures),
            slug=statement.slug,
            version=statement.version,
            paragraphs=[p.split("\n") for p in statement.text.split("\n\n")],
            published=i18n.date(statement.published_at.astimezone(tz).date(), format="long"),
            published_iso=statement.published_at.isoformat(),
            deadline=deadline,
            deadline_iso=statement.deadline.isoformat() if statement.deadline else "",
            closed=statement.closed and statement.deadline is not None,
            count=i18n.number(len(statement.signatures)),
            signatures=[
                s
                | {
                    "signed_at": s["signed_at"].isoformat(),
                    "date": i18n.date(s["signed_at"].astimezone(tz).date(), format="long"),
                }
                for s in statement.signatures
            ],
        )


def preview(statement: PublicStatement, most: int = 200) -> str:
    """The description a shared link shows: how many signed, then the statement's first words."""
    count = i18n.ngettext(
        "{n} organisation has signed.",
        "{n} organisations have signed.",
        len(statement.signatures),
        n=i18n.number(len(statement.signatures)),
    )
    text = " ".join(statement.text.split())
    room = most - len(count) - 1
    return f"{count} {text if len(text) <= room else text[: room - 1].rstrip() + '…'}"


def render_csv(statement: PublicStatement) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["organisation", "signer", "title", "signed_at", "version"])
    for s in statement.signatures:
        writer.writerow(
            [
                csv_cell(s["organisation"]),
                csv_cell(s["signer"]),
                csv_cell(s["title"]),
                s["signed_at"].isoformat(),
                statement.version,
            ]
        )
    return buffer.getvalue()


def not_published_html(lang: str) -> str:
    with i18n.language(lang) as chosen:
        return TEMPLATES.get_template("unity_missing.html").render(lang=chosen)


def unity_routes(db: Database, clock: Clock | None = None) -> list[BaseRoute]:
    clock = clock or SystemClock()

    async def page(request: Request) -> Response:
        name: str = request.path_params["name"]
        slug, _, suffix = name.partition(".")
        accept = request.headers.get("accept-language")
        if suffix not in ("", "json", "csv"):
            with i18n.language(reader_language(accept, None)) as lang:
                missing = i18n._("Not found. Try the page itself, .json or .csv.")
            return PlainTextResponse(missing, status_code=404, headers=negotiated(lang))
        coalition_language, statement = await load_statement(db, slug, clock.now())
        lang = reader_language(accept, coalition_language)
        if statement is None:
            headers = negotiated(lang)
            with i18n.language(lang):
                message = i18n._("No unity statement has been published at this address.")
            if suffix == "json":
                return JSONResponse({"error": message}, status_code=404, headers=headers)
            if suffix == "csv":
                return PlainTextResponse(message, status_code=404, headers=headers)
            return HTMLResponse(not_published_html(lang), status_code=404, headers=headers)
        if suffix == "json":
            return JSONResponse(statement.as_json(), headers=HEADERS)
        if suffix == "csv":
            disposition = {"Content-Disposition": f'inline; filename="{statement.slug}-unity-v{statement.version}.csv"'}
            return Response(render_csv(statement), media_type="text/csv; charset=utf-8", headers=HEADERS | disposition)
        page_url = str(request.url.replace(query=""))
        page = render_html(statement, lang, url=page_url, sign_url=sign_url(statement.slug))
        return HTMLResponse(page, headers=negotiated(lang))

    return [Route("/unity/{name}", page, methods=["GET", "HEAD"])]


def sign_url(slug: str) -> str:
    """Where an organisation outside the chat asks to sign (relative to the statement page)."""
    return f"{slug}/sign"
