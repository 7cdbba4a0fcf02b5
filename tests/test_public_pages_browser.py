"""The public statement page and the sign-on form in a real browser: headless Chromium (Debian's
``chromium``) at 390 px (a phone) and 1280 px, with names that break layouts (a long German
association name, right-to-left Arabic). Each page must not scroll sideways, its dates must stay on
one line, and axe-core (npm, installed by ``.ci/run`` into ``.ci/browser``) must find no serious or
critical accessibility violation.

Each page is fetched from the real app, its HTML written to a folder with axe and a probe script
added (the app's Content-Security-Policy would rightly block them), and shown inside an iframe of
the wanted width, served over loopback: headless Chromium will not make a window narrower than
500 px, an iframe has exactly the width it is given. Chromium prints the page after axe has run
(``--virtual-time-budget``). Skipped when Chromium or axe-core is missing, except in CI.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.store.db import Database
from tests.support import Chat, coalition_with_two_channels, make_core
from tests.test_unity_pages import ARABIC, LONG_NAME
from tests.test_unity_sign_on import FORM, client, token_of

ROOT = Path(__file__).resolve().parent.parent
AXE = Path(os.environ.get("AXE_CORE_JS") or ROOT / ".ci/browser/node_modules/axe-core/axe.min.js")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
WIDTHS = (390, 1280)
PROBE = """
axe.run(document, {resultTypes: ["violations"]}).then(function (result) {
  var times = Array.prototype.map.call(document.querySelectorAll("time"), function (t) {
    return t.getClientRects().length;
  });
  var wide = Array.prototype.filter.call(document.querySelectorAll("body *"), function (e) {
    return e.getBoundingClientRect().right > window.innerWidth + 1;
  }).map(function (e) { return e.tagName + (e.id ? "#" + e.id : ""); });
  var out = parent.document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
    wide: wide.slice(0, 5),
    timeLines: Math.max.apply(null, [1].concat(times)),
    violations: result.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.target.join(" "); })};
    })
  });
  parent.document.body.appendChild(out);
});
"""


def need_browser() -> None:
    missing = [what for what, ok in (("chromium", CHROMIUM), (str(AXE), AXE.exists())) if not ok]
    if missing:
        message = (
            f"missing {', '.join(missing)}: run .ci/run, or apt-get install chromium and npm install in .ci/browser"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def probed(html: str) -> str:
    return html.replace("</body>", '<script src="axe.min.js"></script><script src="probe.js"></script></body>')


def look(base: str, page: str, width: int) -> dict[str, object]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--no-first-run",
        f"--window-size={width + 40},900",
        "--virtual-time-budget=15000",
        "--dump-dom",
        f"{base}/frame-{page}-{width}.html",
    ]
    printed = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', printed, re.S)
    assert found is not None, f"no probe result for {page} at {width}px: {printed[-500:]}"
    result: dict[str, object] = json.loads(
        found.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    )
    return result


async def pages_to_check(chat: Chat) -> dict[str, str]:
    await coalition_with_two_channels(chat)
    statement = "Wir fordern saubere Luft für alle Kinder in " + LONG_NAME + ".\n\nنحن نطالب بهواء نقي للجميع."
    await chat.say("alice", f'/unity draft "{statement}"')
    await chat.say("alice", "/unity publish deadline=2030-12-31")
    await chat.say("erin", f'/coalition join org="{LONG_NAME}"')
    for who, org, name, title in (
        ("bob", "Acme Trust", ARABIC, "رئيسة مجلس الإدارة"),
        ("erin", LONG_NAME, "Maximiliane Weißenbach-Oberkirchner", LONG_NAME),
    ):
        form = (await chat.say("alice", "/unity sign")).form
        assert form is not None
        [org_id] = [o.value for o in form.fields[0].options if org.startswith(o.label)]  # labels stop at 75
        signed = await chat.submit(
            who, "unity.sign", {"org": org_id, "name": name, "title": title, "authorised": "yes"}
        )
        assert not signed.is_error, signed.plain()
    async with client(chat) as web:
        page = (await web.get("/unity/clean-air")).text
        form = await web.get(FORM)
        errors = await web.post(FORM, data={"organisation": LONG_NAME * 2, "csrf": token_of(form.text)})
        assert errors.status_code == 400
    return {"statement": page, "form": form.text, "form-errors": errors.text, "decisions": await decisions_page(chat)}


async def decisions_page(chat: Chat) -> str:
    """The public decision log with a long question and a right-to-left outcome."""
    import httpx

    from bot.commands.decide.page import decision_routes
    from bot.server import Metrics, build_app

    await chat.say("alice", f'/decide propose "Does {LONG_NAME} lead the spring campaign?" method=majority')
    await chat.click("bob", await chat.say("bob", "/decide vote 1"), "Yes")
    await chat.say("alice", '/decide close 1 "نعم، تقود الحملة"')
    await chat.say("alice", "/decide public 1")
    core = chat.core
    app = build_app(core, [], Metrics(), extra=decision_routes(core.db, core.clock, ()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as web:
        return (await web.get("/decisions/clean-air")).text


async def test_public_pages_fit_a_phone_and_pass_axe(sqlite_db: Database, served: tuple[Path, str]) -> None:
    """On SQLite only: the browser sees the same HTML whatever the database."""
    need_browser()
    chat = Chat(make_core(sqlite_db))
    folder, base = served
    shutil.copy(AXE, folder / "axe.min.js")
    (folder / "probe.js").write_text(PROBE)
    pages = await pages_to_check(chat)
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(probed(html))
        for width in WIDTHS:
            frame = f'<iframe src="{name}.html" title="{name}" style="width:{width}px;height:860px;border:0"></iframe>'
            (folder / f"frame-{name}-{width}.html").write_text(f"<!doctype html><body style='margin:0'>{frame}</body>")
    runs = [(name, width) for name in pages for width in WIDTHS]
    results = await asyncio.gather(*(asyncio.to_thread(look, base, name, width) for name, width in runs))
    problems = []
    for (name, width), result in zip(runs, results, strict=True):
        assert result["width"] == width, result
        if result["scroll"] != width or result["wide"]:
            problems.append(f"{name} at {width}px scrolls sideways: {result['scroll']}px wide, {result['wide']}")
        if result["timeLines"] != 1:
            problems.append(f"{name} at {width}px: a date wraps onto {result['timeLines']} lines")
        for violation in result["violations"]:  # type: ignore[attr-defined]
            if violation["impact"] in ("serious", "critical"):
                problems.append(
                    f"{name} at {width}px: axe {violation['id']} ({violation['help']}): {violation['nodes']}"
                )
    assert problems == []
