"""A person's own place through the real Slack and Discord code paths (both fakes at once, Bolt and
discord.py unmodified): the payload shapes a click has in a DM, on the Slack Home tab, on an
ephemeral reply and in a channel; commands typed in a DM; and the stories of SPEC §4 — steering
approves a join request and a public sign-on request from the DM that asked, a member raises a
flag in a DM and follows it there with the receipt, a person in two coalitions is asked which,
and the Home tab's Approve works.

The generated tests click every action id and submit every form id of the registry, rendered by
the adapter as the bot sends it (stamped with its coalition), from every place kind of each
platform, and fail on any answer that did not find the coalition.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlmodel import select

from bot.adapters.discord.custom_ids import IdBook
from bot.adapters.slack.ids import ModalMeta, Stash
from bot.adapters.slack.render import render_modal, render_reply
from bot.commands.unity.pages import unity_routes
from bot.commands.unity.sign_on import sign_on_routes
from bot.core import own_place, scope
from bot.core.context import NOT_BOUND
from bot.core.i18n import _
from bot.core.text import STALE_BUTTON
from bot.core.ui import Actions, Button, Form, FormField, Reply
from bot.delivery.dispatcher import Dispatcher
from bot.server import Metrics, build_app
from bot.store.flag_models import ConflictFlag
from bot.store.models import Coalition, Member
from tests.fakes.slack_api import JSON, block_text, number
from tests.test_cross_platform import Both, fresh_channels
from tests.test_cross_platform import both as both_fakes
from tests.test_discord_adapter import COMPONENT, MODAL_SUBMIT, visible
from tests.test_discord_adapter import Chat as DiscordChat
from tests.test_own_place import sample
from tests.test_slack_adapter import Chat as SlackChat
from tests.test_slack_adapter import person

APPLICATION_COMMAND = 2
both = both_fakes  # the module's two fakes and the outbox between them (one set for every test here)


def not_found_signs() -> tuple[str, ...]:
    return (
        *tuple(
            _(sentence).replace("`", "")
            for sentence in (NOT_BOUND, own_place.NO_COALITION, own_place.WHICH, own_place.GONE, STALE_BUTTON)
        ),
        "not a member of",
    )


def plain(text: str) -> str:
    """Slack and Discord text with their code marks taken out, to compare with catalog sentences."""
    return text.replace("`", "").replace("*", "")


async def delivered(outbox: Dispatcher) -> None:
    while await outbox.drain():
        pass


def slack_dms(slack: SlackChat, user: str) -> list[JSON]:
    return [m for m in slack.fake.messages.values() if m["channel"] == f"D{user}"]


def discord_dms(discord: DiscordChat, name: str) -> list[dict[str, Any]]:
    user = discord.user(name)
    channel = discord.fake.dm_channel(user)
    return [m for m in discord.fake.messages.values() if m.get("channel_id") == str(channel)]


async def coalition_id(slack: SlackChat, name: str) -> int:
    async with slack.adapter.core.db.session() as session:
        found = (await session.exec(select(Coalition.id).where(Coalition.name == name))).one()
    assert found is not None
    return found


# the stories ---------------------------------------------------------------------------------------


async def test_slack_steering_approves_a_join_request_from_its_dm_and_from_the_home_tab(both: Both) -> None:
    slack, _discord = fresh_channels(both)
    outbox = both[2]
    alice, erin, frank = person(slack.fake, "Alice"), person(slack.fake, "Erin"), person(slack.fake, "Frank")
    await slack.say(alice, '/coalition create "Approvals"')
    await slack.say(alice, "/coalition settings join=approval")
    await slack.say(erin, "/coalition join")
    await delivered(outbox)
    [asked] = [m for m in slack_dms(slack, alice) if "Erin" in block_text(m["blocks"])]
    clicked = await slack.interact(slack.side.click_payload(alice, asked, "Approve", channel=f"D{alice}"))
    assert not any(sign in plain(clicked.text()) for sign in not_found_signs()), clicked.text()
    members = await slack.say(alice, "/coalition members")
    assert "Erin" in members.text(), "the click in the DM let Erin in"
    await slack.say(frank, "/coalition join")
    await slack.side.event({"type": "app_home_opened", "user": alice, "tab": "home"})
    await slack.settle()
    home = slack.fake.home[alice]
    assert "Frank asks to join" in plain(block_text(home["blocks"]))
    await slack.interact(slack.side.click_payload(alice, home, "Approve", home=True))
    members = await slack.say(alice, "/coalition members")
    assert "Frank" in members.text(), "Approve on the Home tab let Frank in"
    assert "Frank asks to join" not in plain(block_text(slack.fake.home[alice]["blocks"])), "the Home tab was refreshed"


async def test_slack_steering_approves_a_public_sign_on_request_from_its_dm(both: Both) -> None:
    slack, _discord = fresh_channels(both)
    outbox = both[2]
    alice = person(slack.fake, "Alice")
    name = f"Sign on {number()}"
    await slack.say(alice, f'/coalition create "{name}"')
    await slack.say(alice, '/unity draft "We stand together."')
    await slack.say(alice, "/unity publish")
    core = slack.adapter.core
    async with core.db.session() as session:
        slug = (await session.exec(select(Coalition.slug).where(Coalition.name == name))).one()
    routes = [*unity_routes(core.db, core.clock), *sign_on_routes(core.db, core.clock)]
    app = build_app(core, [], Metrics(), extra=routes)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test") as web:
        form = f"/unity/{slug}/sign"
        page = await web.get(form)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        values = {"organisation": "Outside Trust", "name": "Ola", "title": "Chair", "authorised": "yes"}
        sent = await web.post(form, data=values | {"csrf": token.group(1)})
        assert sent.status_code == 303
        await delivered(outbox)
        dms = [m for m in slack_dms(slack, alice) if "Outside Trust" in block_text(m["blocks"])]
        assert len(dms) == 1, (sent.headers, [block_text(m["blocks"]) for m in slack_dms(slack, alice)])
        asked = dms[0]
        clicked = await slack.interact(slack.side.click_payload(alice, asked, "Approve", channel=f"D{alice}"))
        assert not any(sign in plain(clicked.text()) for sign in not_found_signs()), clicked.text()
        public = (await web.get(f"/unity/{slug}.json")).json()
    assert [s["organisation"] for s in public["signatories"]] == ["Outside Trust"]


async def test_slack_a_flag_raised_in_a_dm_goes_to_the_chosen_coalition_and_is_followed_there(both: Both) -> None:
    slack, _discord = fresh_channels(both)
    other = SlackChat(slack.fake, slack.side, slack.adapter, f"C{number():06d}")
    alice, carol, bob = person(slack.fake, "Alice"), person(slack.fake, "Carol"), person(slack.fake, "Bob")
    first, second = f"First {number()}", f"Second {number()}"
    await slack.say(alice, f'/coalition create "{first}"')
    await other.say(carol, f'/coalition create "{second}"')
    await slack.say(bob, "/coalition join")
    await other.say(bob, "/coalition join")
    dm = SlackChat(slack.fake, slack.side, slack.adapter, f"D{bob}")
    asked = await dm.say(bob, "/flag raise")
    assert plain(_(own_place.WHICH)) in plain(asked.text())
    chosen = await dm.interact(slack.side.choose_payload(bob, asked.message, second, channel=f"D{bob}", ephemeral=True))
    [modal] = [v for v in slack.fake.views if v["trigger_id"] == chosen.body["trigger_id"]]
    values = {"topic": "Tone", "description": "Raised voices", "severity": "medium"}
    sent = await dm.interact(slack.side.submit_payload(bob, modal, values))
    assert sent.content == b"", (sent.content, [b.get("element") for b in modal["blocks"]])
    receipt_text = "\n".join(
        block_text(r.get("blocks", [])) for r in slack.fake.responses_of(chosen.body["response_url"])
    )
    receipt = re.search(r"`([^`]{12,})`", receipt_text)
    assert receipt is not None, (receipt_text, [b.get("element") for b in modal["blocks"]], values)
    async with slack.adapter.core.db.session() as session:
        flags = (await session.exec(select(ConflictFlag.coalition_id))).all()
    assert await coalition_id(slack, second) in flags
    assert await coalition_id(slack, first) not in flags
    followed = await dm.say(bob, f"/flag status {receipt.group(1)}")
    assert "Tone" in followed.text() or "open" in followed.text().lower(), followed.text()
    assert not any(sign in plain(followed.text()) for sign in not_found_signs())


async def test_discord_steering_approves_from_a_dm_and_a_member_raises_a_flag_in_a_dm(both: Both) -> None:
    _slack, discord = fresh_channels(both)
    outbox = both[2]
    name = f"Discord {number()}"
    await discord.slash("Ada", "coalition", "create", name=name)
    await discord.slash("Ada", "coalition", "settings", join="approval")
    await discord.slash("Eve", "coalition", "join")
    await delivered(outbox)
    [asked] = [m for m in discord_dms(discord, "Ada") if "Eve" in visible(m)]
    custom_id = next(
        c["custom_id"] for row in asked["components"] for c in row["components"] if c["label"] == "Approve"
    )
    iid = await discord.fake.interact(
        COMPONENT, discord.user("Ada"), {"custom_id": custom_id, "component_type": 2}, message=asked, dm=True
    )
    approved = await discord.settle(iid)
    assert not any(sign in plain(approved.text()) for sign in not_found_signs()), approved.text()
    members = await discord.slash("Ada", "coalition", "members")
    assert "Eve" in members.text()
    data = discord.fake.command_data("flag", ("raise",), {})
    raised = await discord.settle(await discord.fake.interact(APPLICATION_COMMAND, discord.user("Eve"), data, dm=True))
    modal = raised.modal
    components = modal_answers(modal, {"topic": "Tone", "description": "Raised voices", "severity": "medium"})
    submitted = await discord.settle(
        await discord.fake.interact(
            MODAL_SUBMIT, discord.user("Eve"), {"custom_id": modal["custom_id"], "components": components}, dm=True
        )
    )
    receipt = re.search(r"`([^`]{12,})`", submitted.text())
    assert receipt is not None, submitted.text()
    status = discord.fake.command_data("flag", ("status",), {"receipt": receipt.group(1)})
    followed = await discord.settle(
        await discord.fake.interact(APPLICATION_COMMAND, discord.user("Eve"), status, dm=True)
    )
    assert not any(sign in plain(followed.text()) for sign in not_found_signs()), followed.text()
    async with discord.bot.core.db.session() as session:
        eves = (await session.exec(select(Member).where(Member.display_name == "Eve"))).all()
    assert len(eves) == 1, "the DM found Eve by her account: no second member"


def modal_answers(modal: dict[str, Any], values: dict[str, str]) -> list[dict[str, Any]]:
    """The components of a modal submission, as Discord sends them (labelled inputs, selects)."""
    components = []
    for number_, label in enumerate(modal["components"], 1):
        inner = label["component"]
        name = inner["custom_id"]
        if inner["type"] == 3:
            submitted = {
                "type": 3,
                "id": number_ * 2,
                "custom_id": name,
                "values": [values[name]] if name in values else [],
            }
        elif inner["type"] == 23:
            submitted = {"type": 23, "id": number_ * 2, "custom_id": name, "value": bool(values.get(name))}
        else:
            submitted = {"type": 4, "id": number_ * 2, "custom_id": name, "value": values.get(name, "")}
        components.append({"type": 18, "id": number_ * 2 - 1, "component": submitted})
    return components


# generated from the registry -----------------------------------------------------------------------


def elements(registry: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for command in registry:
        found += [("action", a) for a in command.actions]
        found += [("form", f) for f in command.forms]
    return sorted(found)


def as_form(registry: Any, form_id: str, stamped: str) -> tuple[Form, dict[str, str]]:
    spec = registry.form(form_id)
    fields = tuple(FormField(p.name, p.name, required=p.required) for p in spec.params)
    values = {p.name: sample(p) for p in spec.params if p.required}
    return Form(stamped, form_id, fields, state="1"), values


async def test_slack_every_element_finds_its_coalition_from_every_place(both: Both) -> None:
    slack, _discord = fresh_channels(both)
    alice = person(slack.fake, "Alice")
    await slack.say(alice, f'/coalition create "Everywhere {number()}"')
    registry = slack.adapter.core.registry
    checked = 0
    for kind, element_id in elements(registry):
        for where in ("channel", "ephemeral", "dm", "home"):
            who = person(slack.fake, f"M{checked}")
            await slack.say(who, "/coalition join")
            cid = await _coalition_of(slack)
            stamped = scope.stamp(element_id, cid)
            channel = f"D{who}" if where == "dm" else slack.channel
            if kind == "action":
                stash = Stash()
                [message] = render_reply(Reply.private(Actions((Button("Go", stamped, "1"),))), stash)
                await stash.save(slack.adapter.core.services.kept)
                shown: JSON = {"ts": f"{1_700_000_000 + number()}.000200", "blocks": message.blocks}
                if where in ("channel", "dm"):  # a message the bot posted there, as the fake keeps it
                    slack.fake.messages[shown["ts"]] = {**shown, "channel": channel, "team": "T0001", "text": ""}
                payload = slack.side.click_payload(
                    who, shown, "Go", channel=channel, ephemeral=where == "ephemeral", home=where == "home"
                )
                said = await slack.interact(payload)
                edited = slack.fake.messages.get(shown["ts"], {})
                answer = said.text() + "\n" + "\n".join(block_text(m["blocks"]) for m in slack_dms(slack, who))
                if edited.get("edited"):  # the answer replaced the clicked message (chat.update)
                    answer += "\n" + block_text(edited["blocks"])
            else:
                form, values = as_form(registry, element_id, stamped)
                stash = Stash()
                response_url = "" if where == "home" else slack.fake.response_url()
                meta = ModalMeta(stamped, "1", "T0001", "" if where == "home" else channel, response_url)
                view = render_modal(form, meta, stash, lang=None)
                await stash.save(slack.adapter.core.services.kept)
                said = await slack.interact(slack.side.submit_payload(who, {**view, "id": f"V{number()}"}, values))
                answer = (
                    said.content.decode()
                    + "\n"
                    + "\n".join(
                        block_text(r.get("blocks", []))
                        for r in (slack.fake.responses_of(response_url) if response_url else [])
                    )
                    + "\n".join(block_text(m["blocks"]) for m in slack_dms(slack, who))
                )
            assert answer.strip(), f"{kind} {element_id} from a Slack {where}: no answer at all"
            for sign in not_found_signs():
                assert sign not in plain(answer), f"{kind} {element_id} from a Slack {where}: {answer}"
            checked += 1
    assert checked >= 80


async def _coalition_of(slack: SlackChat) -> int:
    async with slack.adapter.core.db.session() as session:
        found = (await session.exec(select(Coalition.id).order_by(Coalition.id.desc()))).first()  # type: ignore[union-attr]
    assert found is not None
    return found


async def test_discord_every_element_finds_its_coalition_from_every_place(both: Both) -> None:
    _slack, discord = fresh_channels(both)
    await discord.slash("Ada", "coalition", "create", name=f"Everywhere {number()}")
    core = discord.bot.core
    registry = core.registry
    async with core.db.session() as session:
        cid = (await session.exec(select(Coalition.id).order_by(Coalition.id.desc()))).first()  # type: ignore[union-attr]
    assert cid is not None
    checked = 0
    for kind, element_id in elements(registry):
        for where in ("channel", "ephemeral", "dm"):
            who = f"Member{checked}"
            await discord.slash(who, "coalition", "join")
            stamped = scope.stamp(element_id, cid)
            book = IdBook()
            if kind == "action":
                custom_id = book.button(stamped, "1")
                await book.save(core.services.kept)
                message = {"id": str(number()), "flags": 64 if where == "ephemeral" else 0, "components": []}
                data = {"custom_id": custom_id, "component_type": 2}
                iid = await discord.fake.interact(
                    COMPONENT, discord.user(who), data, channel_id=discord.channel, message=message, dm=where == "dm"
                )
            else:
                form, values = as_form(registry, element_id, stamped)
                custom_id = book.modal(form)
                await book.save(core.services.kept)
                components = [
                    {"type": 18, "id": n * 2 - 1, "component": {"type": 4, "id": n * 2, "custom_id": k, "value": v}}
                    for n, (k, v) in enumerate(values.items(), 1)
                ]
                iid = await discord.fake.interact(
                    MODAL_SUBMIT,
                    discord.user(who),
                    {"custom_id": custom_id, "components": components},
                    channel_id=discord.channel,
                    dm=where == "dm",
                )
            answer = (await discord.settle(iid)).text()
            assert answer.strip(), f"{kind} {element_id} from a Discord {where}: no answer at all"
            for sign in not_found_signs():
                assert sign not in plain(answer), f"{kind} {element_id} from a Discord {where}: {answer}"
            checked += 1
    assert checked >= 60
