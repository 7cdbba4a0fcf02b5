"""``GET /decisions/<slug>``: the decisions steering marked public, from the append-only log, newest
first: question, method, turnout, result, outcome. Nothing of ballots or voters. In the reader's
language (``Accept-Language``, else the coalition's); built for phones like the statement page (the
same style sheet, long words break, ``dir="auto"`` on what people typed, dates on one line)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.commands.decide import results
from bot.commands.decide.shared import method_name
from bot.core import i18n
from bot.core.clock import Clock
from bot.core.workflow import Workflow
from bot.store.db import Database
from bot.store.decision_models import Decision, DecisionLogEntry, Electorate
from bot.store.decision_repo import DecisionRepo
from bot.store.repo import Directory
from bot.web.pages import TEMPLATES, negotiated, reader_language

SHOWN = 100


@dataclass(frozen=True)
class PublicLog:
    coalition: str
    tz: str
    entries: list[tuple[DecisionLogEntry, Decision]]


async def load(db: Database, slug: str) -> tuple[str | None, PublicLog | None]:
    async with db.session() as session:
        coalition = await Directory(session).coalition_by_slug(slug)
        if coalition is None or coalition.id is None:
            return None, None
        rows = await DecisionRepo(session, coalition.id).public_log(limit=SHOWN)
        return coalition.language, PublicLog(coalition.name, coalition.tz, [(e, d) for e, d in rows])


def when(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f'<time datetime="{moment.isoformat()}">{html.escape(i18n.date(local.date(), format="long"))}</time>'


def article(entry: DecisionLogEntry, decision: Decision, tz: str) -> str:
    e = html.escape
    shadow = Decision(
        coalition_id=0, question=entry.question, method=entry.method, options=entry.result.get("options", [])
    )
    if entry.electorate == Electorate.ORG.value:
        turnout = i18n.ngettext(
            "{n} of {total} organisation took part.",
            "{n} of {total} organisations took part.",
            entry.eligible,
            n=i18n.number(entry.turnout),
            total=i18n.number(entry.eligible),
        )
    else:
        turnout = i18n.ngettext(
            "{n} of {total} member took part.",
            "{n} of {total} members took part.",
            entry.eligible,
            n=i18n.number(entry.turnout),
            total=i18n.number(entry.eligible),
        )
    closed = e(i18n._("Closed {date}.", date="\x00")).replace("\x00", when(entry.at, tz))
    details = "".join(f"<li>{e(line)}</li>" for line in results.lines(shadow, entry.result))
    method = e(i18n._("Method: {method}.", method=method_name(shadow)))
    result_label, outcome_label = e(i18n._("Result:")), e(i18n._("Outcome:"))
    return (
        f'<article aria-labelledby="d{entry.decision_id}">'
        f'<h2 id="d{entry.decision_id}" dir="auto">{e(entry.question)}</h2>'
        f'<p class="meta">{closed} {method} {e(turnout)}</p>'
        f"<p><strong>{result_label}</strong> {e(results.headline(shadow, entry.result))}</p>"
        + (f"<ul>{details}</ul>" if details else "")
        + f'<p><strong>{outcome_label}</strong> <span dir="auto">{e(entry.outcome)}</span></p></article>'
    )


def render(log: PublicLog, lang: str, url: str = "") -> str:
    e = html.escape
    with i18n.language(lang) as chosen:
        title = i18n._("{coalition}: decisions", coalition=log.coalition)
        count = i18n.ngettext(
            "{n} decision made public.", "{n} decisions made public.", len(log.entries), n=i18n.number(len(log.entries))
        )
        none_yet = e(i18n._("No decision has been made public yet."))
        footer = e(i18n._("Decisions are added when they close and are never changed afterwards."))
        body = "".join(article(entry, decision, log.tz) for entry, decision in log.entries) or f"<p>{none_yet}</p>"
        heading = e(i18n._("{coalition}: decisions", coalition="\x00")).replace(
            "\x00", f'<bdi dir="auto">{e(log.coalition)}</bdi>'
        )
        style = TEMPLATES.get_template("_style.html").render()
        og_url = f'<meta property="og:url" content="{e(url)}">' if url else ""
        return (
            f'<!doctype html><html lang="{e(chosen)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{e(title)}</title><meta name="description" content="{e(count)}">'
            f'<meta property="og:type" content="article"><meta property="og:title" content="{e(title)}">'
            f'<meta property="og:description" content="{e(count)}">{og_url}{style}</head><body><main>'
            f"<h1>{heading}</h1>"
            f'<p class="count">{e(count)}</p>{body}</main>'
            f"<footer><p>{footer}</p></footer>"
            "</body></html>"
        )


def decision_routes(db: Database, clock: Clock, served: tuple[Workflow, ...]) -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        slug: str = request.path_params["slug"]
        accept = request.headers.get("accept-language")
        coalition_language, log = await load(db, slug)
        lang = reader_language(accept, coalition_language)
        if log is None:
            with i18n.language(lang) as chosen:
                message = html.escape(i18n._("No coalition publishes decisions at this address."))
            missing = f'<!doctype html><html lang="{chosen}"><head><meta charset="utf-8"><title>{message}</title></head><body><main><h1>{message}</h1></main></body></html>'
            return HTMLResponse(missing, status_code=404, headers=negotiated(lang))
        return HTMLResponse(render(log, lang, str(request.url.replace(query=""))), headers=negotiated(lang))

    return [Route("/decisions/{slug}", page, methods=["GET", "HEAD"])]
