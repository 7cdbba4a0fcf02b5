"""``/coalition privacy`` and ``GET /privacy``: what is stored, why, who sees it and how long it is
kept, workflow by workflow, rendered from each workflow's ``privacy`` declaration (so the page cannot
drift from the code), in the reader's language."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.commands.coalition.command import coalition
from bot.core import i18n, workflow
from bot.core.clock import Clock
from bot.core.context import Ctx
from bot.core.i18n import N_, _, tr
from bot.core.params import Args
from bot.core.retention import months_kept
from bot.core.ui import Bold, Header, Plain, Reply, Rich, Section
from bot.core.workflow import DataUse, Workflow
from bot.store.db import Database
from bot.web.pages import reader_language

INTRO = N_(
    "What Coalition Bot stores, why, who can see it and how long it is kept. "
    "/coalition export mine gives you everything stored about you; /coalition forget-me erases it."
)


def uses(flows: Sequence[Workflow]) -> list[tuple[str, tuple[DataUse, ...]]]:
    """The workflows that declare what they store, with the command they belong to as a heading."""
    return [(f"/{flow.command.name}" if flow.command else flow.name, flow.privacy) for flow in flows if flow.privacy]


def lines(use: DataUse, settings: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """Why, who sees it and how long, in the current language. With a coalition's ``settings`` the
    "how long" is that coalition's: the limit steering set, if any; without, what steering may set."""
    return [(_("Why"), tr(use.why)), (_("Who sees it"), tr(use.who_sees)), (_("How long"), how_long(use, settings))]


def how_long(use: DataUse, settings: Mapping[str, Any] | None) -> str:
    limit = use.retention
    if limit is None:
        return tr(use.kept)
    months = months_kept(settings or {}, limit.setting)
    if months:
        return limit.limited(months)
    return f"{tr(use.kept)} {tr(limit.offer)}"


@coalition.sub(
    "privacy",
    summary=N_("What is stored about you, why, who sees it and for how long"),
    usage=N_("/coalition privacy"),
    needs_coalition=False,
)
async def privacy(ctx: Ctx, args: Args) -> Reply:
    blocks: list[Header | Section] = [Header(_("Privacy")), Section(Rich((Plain(tr(INTRO)),)))]
    for heading, declared in uses(workflow.active()):
        for use in declared:
            parts: list[Plain | Bold] = [Bold(heading), Plain(" · "), Bold(tr(use.what))]
            for label, text in lines(use, ctx.coalition.settings if ctx.coalition else None):
                parts.append(Plain(f"\n{label}: {text}"))
            blocks.append(Section(Rich(tuple(parts))))
    return Reply(blocks=list(blocks))


def render_page(flows: Sequence[Workflow], lang: str) -> str:
    """The public page, in ``lang``."""
    e = html.escape
    with i18n.language(lang) as chosen:
        body = [f"<h1>{e(_('Privacy'))}</h1>", f"<p>{e(tr(INTRO))}</p>"]
        for heading, declared in uses(flows):
            body.append(f"<h2>{e(heading)}</h2>")
            for use in declared:
                body.append(f"<h3>{e(tr(use.what))}</h3><dl>")
                body.extend(f"<dt>{e(label)}</dt><dd>{e(text)}</dd>" for label, text in lines(use))
                body.append("</dl>")
        title = e(_("Privacy"))
    return (
        f'<!doctype html><html lang="{e(chosen)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
        f"<body><main>{''.join(body)}</main></body></html>"
    )


def privacy_routes(db: Database, clock: Clock, workflows: tuple[Workflow, ...] = ()) -> list[BaseRoute]:
    """``GET /privacy``, for the workflows ``serve`` runs, handed in when the app is built."""

    async def page(request: Request) -> Response:
        lang = reader_language(request.headers.get("accept-language"), None)
        headers = {"Content-Language": lang, "Vary": "Accept-Language", "Cache-Control": "public, max-age=300"}
        return HTMLResponse(render_page(workflows, lang), headers=headers)

    return [Route("/privacy", page, methods=["GET"])]
