"""``GET /unity/<slug>`` (HTML), ``/unity/<slug>.json`` and ``/unity/<slug>.csv``: the published
unity statement and the organisations that signed it.

Nothing is public until a version is published. The pages show what signers typed into the
public fields of the signing form (organisation, name, title) and the date; never platform ids,
member records or withdrawn signatures. HTML is autoescaped; CSV cells that a spreadsheet would
run as formulas are neutralised.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.commands.common import csv_cell
from bot.core.clock import Clock
from bot.store.db import Database
from bot.store.repo import CoalitionRepo, Directory
from bot.store.unity_repo import UnityRepo

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
HEADERS = {
    "Cache-Control": "public, max-age=60",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "Referrer-Policy": "no-referrer",
}
NOT_PUBLISHED = "No unity statement has been published at this address."


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
    signatures: list[dict[str, str]]

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
                    "signed_at": s["signed_at"],
                }
                for s in self.signatures
            ],
        }


async def load_statement(db: Database, slug: str, now: datetime) -> PublicStatement | None:
    async with db.session() as session:
        coalition = await Directory(session).coalition_by_slug(slug)
        if coalition is None or coalition.id is None:
            return None
        unity = UnityRepo(session, coalition.id)
        version = await unity.published()
        if version is None or version.published_at is None:
            return None
        names = {o.id: o.name for o in await CoalitionRepo(session, coalition.id).organisations()}
        tz = ZoneInfo(coalition.tz)
        signatures = [
            {
                "organisation": names.get(s.organisation_id, ""),
                "signer": s.signer_name,
                "title": s.signer_title,
                "signed_at": s.signed_at.isoformat(),
                "date": long_date(s.signed_at.astimezone(tz)),
            }
            for s in await unity.signatures(version.id or 0)
        ]
        closed = version.closed_at is not None or (version.deadline is not None and now >= version.deadline)
        return PublicStatement(
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


def render_html(statement: PublicStatement) -> str:
    tz = ZoneInfo(statement.tz)
    paragraphs = [p.split("\n") for p in statement.text.split("\n\n")]
    return TEMPLATES.get_template("unity.html").render(
        coalition=statement.coalition,
        slug=statement.slug,
        version=statement.version,
        paragraphs=paragraphs,
        published=long_date(statement.published_at.astimezone(tz)),
        published_iso=statement.published_at.isoformat(),
        deadline=f"{long_date(statement.deadline.astimezone(tz))}, {statement.deadline.astimezone(tz):%H:%M %Z}"
        if statement.deadline
        else "",
        deadline_iso=statement.deadline.isoformat() if statement.deadline else "",
        closed=statement.closed and statement.deadline is not None,
        signatures=statement.signatures,
    )


def long_date(at: datetime) -> str:
    return f"{at.day} {at:%B %Y}"


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
                s["signed_at"],
                statement.version,
            ]
        )
    return buffer.getvalue()


def unity_routes(db: Database, clock: Clock) -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        name: str = request.path_params["name"]
        slug, _, suffix = name.partition(".")
        if suffix not in ("", "json", "csv"):
            return PlainTextResponse("Not found. Try the page itself, .json or .csv.", status_code=404)
        statement = await load_statement(db, slug, clock.now())
        if statement is None:
            if suffix == "json":
                return JSONResponse({"error": NOT_PUBLISHED}, status_code=404, headers=HEADERS)
            if suffix == "csv":
                return PlainTextResponse(NOT_PUBLISHED, status_code=404, headers=HEADERS)
            return HTMLResponse(not_found_html(), status_code=404, headers=HEADERS)
        if suffix == "json":
            return JSONResponse(statement.as_json(), headers=HEADERS)
        if suffix == "csv":
            disposition = {"Content-Disposition": f'inline; filename="{statement.slug}-unity-v{statement.version}.csv"'}
            return Response(render_csv(statement), media_type="text/csv; charset=utf-8", headers=HEADERS | disposition)
        return HTMLResponse(render_html(statement), headers=HEADERS)

    return [Route("/unity/{name}", page, methods=["GET", "HEAD"])]


def not_found_html() -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not published</title></head>'
        f"<body><main><h1>Not published</h1><p>{NOT_PUBLISHED}</p></main></body></html>"
    )
