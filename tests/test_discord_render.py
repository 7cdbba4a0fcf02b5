"""The Discord adapter's pure parts: rendering within Discord's limits, custom ids, translation,
the generated command tree and sync bookkeeping. No network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from bot.adapters.discord import payloads as wire
from bot.adapters.discord.commands import build_command_set, sync_commands, sync_scopes
from bot.adapters.discord.custom_ids import (
    ActionTarget,
    FormTarget,
    IdBook,
    OpenFormTarget,
    load_form,
    parse,
    prefilled,
    resolve,
)
from bot.adapters.discord.modals import form_errors_reply, render_modal
from bot.adapters.discord.render import (
    MAX_DESCRIPTION,
    MAX_EMBED_TOTAL,
    MAX_EMBEDS,
    MAX_FIELDS,
    choices,
    escape,
    inline,
    render_reply,
)
from bot.adapters.discord.translate import command_call, submitted_values
from bot.core.codec import decode_form, encode_form
from bot.core.errors import ConfigError
from bot.core.params import Kind, Param
from bot.core.registry import Command, Registry
from bot.core.services import Kept
from bot.core.ui import (
    Actions,
    Button,
    Code,
    Field,
    Fields,
    Form,
    FormField,
    Header,
    Link,
    Option,
    Reply,
    Section,
    Select,
    Timestamp,
    rich,
)
from bot.store.db import Database

# rendering ---------------------------------------------------------------------------------------


async def test_a_long_list_is_split_within_every_embed_and_message_limit() -> None:
    lines = [f"• item {i:03} " + "x" * 90 for i in range(400)]
    reply = Reply.private(Header("A long list"), *(Section(rich(line)) for line in lines))
    messages = render_reply(reply, IdBook())
    assert len(messages) > 1
    shown: list[str] = []
    for message in messages:
        assert len(message.embeds) <= MAX_EMBEDS
        assert sum(len(e) for e in message.embeds) <= MAX_EMBED_TOTAL
        for embed in message.embeds:
            assert len(embed.description or "") <= MAX_DESCRIPTION
            shown.extend((embed.description or "").split("\n"))
    assert shown == lines, "nothing lost, nothing reordered"
    assert messages[0].embeds[0].title == "A long list"


async def test_many_fields_spread_over_embeds_of_at_most_25() -> None:
    fields = tuple(Field(f"Org {i}", rich(f"{i} volunteers")) for i in range(60))
    messages = render_reply(Reply.private(Fields(fields)), IdBook())
    embeds = [e for m in messages for e in m.embeds]
    assert all(len(e.fields) <= MAX_FIELDS for e in embeds)
    assert [f.name for e in embeds for f in e.fields] == [f"Org {i}" for i in range(60)]


async def test_text_after_fields_starts_a_new_embed_to_keep_reading_order() -> None:
    reply = Reply.private(Section(rich("before")), Fields((Field("a", rich("1")),)), Section(rich("after")))
    embeds = render_reply(reply, IdBook())[0].embeds
    assert [(e.description, len(e.fields)) for e in embeds] == [("before", 1), ("after", 0)]


async def test_overlong_title_and_field_values_are_clipped() -> None:
    reply = Reply.private(Header("T" * 300), Fields((Field("n" * 300, rich("v" * 2000)),)))
    embed = render_reply(reply, IdBook())[0].embeds[0]
    assert len(embed.title or "") == 256
    assert len(embed.fields[0].name or "") == 256
    assert len(embed.fields[0].value or "") == 1024


async def test_buttons_fill_rows_of_five_and_extra_rows_go_to_another_message() -> None:
    blocks = [Actions(tuple(Button(f"B{r}{i}", "vote", f"{r}-{i}") for i in range(7))) for r in range(3)]
    messages = render_reply(Reply.channel(Section(rich("Vote")), *blocks), IdBook())
    rows: list[list[Any]] = [row for m in messages for row in m.rows]
    assert [len(row) for row in rows] == [5, 2, 5, 2, 5, 2]
    assert all(len(m.rows) <= 5 for m in messages)
    assert len(messages) == 2
    assert rows[0][0].custom_id == "a|vote|0-0"


async def test_selects_carry_the_action_and_at_most_25_options() -> None:
    options = tuple(Option(f"Slot {i}", str(i)) for i in range(30))
    messages = render_reply(Reply.private(Actions((Select("meet.pick", "Pick a slot", options),))), IdBook())
    select: Any = messages[0].rows[0][0]
    assert select.custom_id == "s|meet.pick"
    assert len(select.options) == 25


async def test_an_empty_reply_still_says_something() -> None:
    assert render_reply(Reply.private(), IdBook())[0].content == "Done."


def test_user_text_is_escaped_and_never_mentions() -> None:
    text = escape("@everyone @here <@123456789012345678> <@&123456789012345678> <#123> **bold** `code`")
    assert "@everyone" not in text
    assert "@here" not in text
    assert "<@" not in text
    assert "<#" not in text
    assert "**" not in text
    assert "\\*\\*bold\\*\\*" in text


async def test_titles_keep_a_leading_hash_but_lose_markdown_and_mentions() -> None:
    embed = render_reply(Reply.private(Header("#3 **Calls** @everyone")), IdBook())[0].embeds[0]
    assert embed.title == "#3 \\*\\*Calls\\*\\* @\u200beveryone"


def test_inline_pieces() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    text = inline(rich("at ", Timestamp(at), " see ", Link("https://x.test/a", "the page"), " ", Code("a`b")))
    assert f"<t:{int(at.timestamp())}:f>" in text
    assert "[the page](https://x.test/a)" in text
    assert "`aˋb`" in text
    assert inline(rich(Link("javascript:alert(1)", "x"))) == "x (`javascript:alert(1)`)"  # shown, not linked


async def test_a_form_that_cannot_be_a_modal_becomes_an_open_button() -> None:
    form = Form("checkin.log", "Check in", (FormField("amount", "How much?", "number"),))
    ids = IdBook()
    message = render_reply(Reply(blocks=[Section(rich("Several goals"))], form=form), ids)[0]
    custom_id = cast(Any, message.rows[0][0]).custom_id
    target = parse(custom_id)
    assert isinstance(target, OpenFormTarget)
    assert ids.forms[target.form_key] == form


# modals ------------------------------------------------------------------------------------------


async def test_forms_become_modals_with_labelled_inputs() -> None:
    form = Form(
        "flag.raise",
        "Raise a concern confidentially, please read",
        (
            FormField("topic", "Topic", placeholder="One line"),
            FormField("description", "What happened?", "long_text", max_length=9000),
            FormField(
                "severity", "Severity", "select", options=(Option("Low", "low"), Option("High", "high")), initial="high"
            ),
            FormField("anonymous", "Stay anonymous", "checkbox", required=False, initial="yes"),
            FormField("due", "Since", "date", required=False),
            FormField("extra", "Sixth field", required=False),
        ),
        state="42",
    )
    ids = IdBook()
    modal = render_modal(form, ids, lang=None).to_dict()
    assert len(modal["title"]) <= 45
    target = parse(modal["custom_id"])
    assert target == FormTarget("flag.raise", "42", next(iter(ids.forms)))
    labels = modal["components"]
    assert len(labels) == 5
    assert [c["type"] for c in labels] == [18] * 5
    inner = [c["component"] for c in labels]
    assert [c["type"] for c in inner] == [4, 4, 3, 23, 4]
    assert inner[1]["style"] == 2
    assert inner[1]["max_length"] == 4000
    assert [o.get("default", False) for o in inner[2]["options"]] == [False, True]
    assert inner[3]["default"] is True
    assert inner[4]["placeholder"] == "YYYY-MM-DD"


def test_form_errors_name_the_fields_by_label() -> None:
    form = Form("checkin.log", "Check in", (FormField("amount", "How much?", "number"),))
    reply = form_errors_reply({"amount": "must be a number"}, form, lang="en")
    assert reply.is_error
    assert reply.form is form
    assert "How much?: must be a number" in reply.plain()


def test_autocomplete_choices_have_the_option_type() -> None:
    options = [Option("#1 Calls", "1"), Option("bad", "x"), Option("#2 Letters", "2")]
    assert [(c.name, c.value) for c in choices(options, wire.INTEGER)] == [("#1 Calls", 1), ("#2 Letters", 2)]
    assert [c.value for c in choices(options, wire.STRING)] == ["1", "x", "2"]


# custom ids --------------------------------------------------------------------------------------


def test_custom_ids_round_trip() -> None:
    ids = IdBook()
    assert parse(ids.button("meet.vote", "3:yes|maybe")) == ActionTarget("meet.vote", "3:yes|maybe")
    assert parse(ids.select("meet.pick")) == ActionTarget("meet.pick", None)
    assert parse("someone-elses-id") is None


async def test_long_custom_ids_are_stored_and_resolved(sqlite_db: Database) -> None:
    ids = IdBook()
    value = "v" * 150
    custom_id = ids.button("unity.sign", value)
    assert len(custom_id) <= 100
    assert custom_id.startswith("h|")
    assert await resolve(custom_id, Kept(sqlite_db)) is None, "not saved yet"
    await ids.save(Kept(sqlite_db))
    assert await resolve(custom_id, Kept(sqlite_db)) == ActionTarget("unity.sign", value)


async def test_forms_are_stored_and_reopened_prefilled(sqlite_db: Database) -> None:
    form = Form(
        "checkin.log",
        "Check in",
        (FormField("goal", "Goal", "select", options=(Option("#1 Calls", "1"),)), FormField("amount", "How much?")),
    )
    assert decode_form(encode_form(form)) == form
    ids = IdBook()
    key = ids.keep_form(form)
    await ids.save(Kept(sqlite_db))
    loaded = await load_form(key, Kept(sqlite_db))
    assert loaded == form
    again = prefilled(loaded, {"amount": "lots"})
    assert [f.initial for f in again.fields] == ["", "lots"]
    assert decode_form({"nonsense": 1}) is None


# translation -------------------------------------------------------------------------------------


def test_command_options_are_read_through_groups_and_subcommands() -> None:
    data: wire.CommandData = {
        "id": "1",
        "name": "checkin",
        "type": 1,
        "options": [
            {
                "name": "schedule",
                "type": 2,
                "options": [
                    {
                        "name": "weekly",
                        "type": 1,
                        "options": [
                            {"name": "day", "type": 3, "value": "mon"},
                            {"name": "time", "type": 3, "value": "09", "focused": True},
                        ],
                    }
                ],
            }
        ],
    }
    call = command_call(data)
    assert call.path == ("schedule", "weekly")
    assert call.options == {"day": "mon", "time": "09"}
    assert call.focused == "time"
    assert command_call({"id": "1", "name": "goal", "type": 1}).path == ()


def test_modal_values_from_labels_rows_selects_and_checkboxes() -> None:
    data: wire.ModalData = {
        "custom_id": "f|k|flag.raise|",
        "components": [
            {"type": 18, "id": 1, "component": {"type": 4, "id": 2, "custom_id": "topic", "value": "noise"}},
            {"type": 1, "components": [{"type": 4, "custom_id": "legacy", "value": "old style"}]},
            {"type": 18, "id": 3, "component": {"type": 3, "id": 4, "custom_id": "severity", "values": ["high"]}},
            {"type": 18, "id": 5, "component": {"type": 3, "id": 6, "custom_id": "goal", "values": []}},
            {"type": 18, "id": 7, "component": {"type": 23, "id": 8, "custom_id": "anonymous", "value": True}},
            {"type": 18, "id": 9, "component": {"type": 23, "id": 10, "custom_id": "follow_up", "value": False}},
            {"type": 10, "id": 11},
        ],
    }
    assert submitted_values(data) == {
        "topic": "noise",
        "legacy": "old style",
        "severity": "high",
        "goal": "",
        "anonymous": "yes",
        "follow_up": "",
    }


# the command tree and syncing ----------------------------------------------------------------------


def small_registry(summary: str = "Plan meetings") -> Registry:
    registry = Registry()
    meet = registry.add(Command("meet", summary))

    async def handler(ctx: Any, args: Any) -> Reply:
        return Reply.private("ok")

    meet.sub(
        "propose",
        summary="Propose a meeting",
        usage="/meet propose",
        params=(
            Param("title", required=True, positional=True),
            Param("slots", Kind.DATETIME, positional=True, variadic=True, required=True),
            Param("duration", Kind.INT, minimum=15),
            Param("tz", Kind.TZ),
        ),
    )(handler)
    meet.sub("agenda add item", summary="Three words deep", usage="/meet agenda add item")(handler)
    return registry


def test_command_tree_types_required_first_and_deep_paths() -> None:
    commands = build_command_set(small_registry())
    meet = commands.payload[0]
    options = {o["name"]: o for o in meet["options"]}
    propose = options["propose"]["options"]
    assert [o["name"] for o in propose] == ["title", "slots", "duration", "tz"]
    slots = propose[1]
    assert (slots["type"], slots["required"]) == (wire.STRING, True)
    assert "comma-separated" in slots["description"]
    assert (propose[2]["type"], propose[2]["min_value"]) == (wire.INTEGER, 15)
    assert "Europe/Berlin" in propose[3]["description"]
    assert options["agenda"]["type"] == wire.SUB_COMMAND_GROUP
    assert [o["name"] for o in options["agenda"]["options"]] == ["add-item"]
    deep = commands.route("meet", ("agenda", "add-item"))
    assert deep is not None
    assert deep.path == ("agenda", "add", "item")
    assert commands.is_help("meet", ("help",))


def test_guild_ids_are_checked() -> None:
    assert sync_scopes("") == [None]
    assert sync_scopes("12, 34,12") == [12, 34]
    with pytest.raises(ConfigError, match="DISCORD_GUILD_IDS"):
        sync_scopes("12,general")


class RecordingSyncer:
    def __init__(self, failing: set[int] | None = None) -> None:
        self.calls: list[int | None] = []
        self.failing = failing or set()

    async def bulk_upsert_global_commands(self, application_id: int, payload: list[Any]) -> Any:
        self.calls.append(None)

    async def bulk_upsert_guild_commands(self, application_id: int, guild_id: int, payload: list[Any]) -> Any:
        self.calls.append(guild_id)
        if guild_id in self.failing:
            raise RuntimeError("Missing Access")


async def test_sync_only_when_the_command_set_changed(sqlite_db: Database) -> None:
    registry = small_registry()
    commands = build_command_set(registry)
    http = RecordingSyncer(failing={2})
    assert await sync_commands(http, Kept(sqlite_db), 7, commands, registry.fingerprint(), [1, 2]) == [1]
    http.failing.clear()
    assert await sync_commands(http, Kept(sqlite_db), 7, commands, registry.fingerprint(), [1, 2]) == [2]
    assert await sync_commands(http, Kept(sqlite_db), 7, commands, registry.fingerprint(), [1, 2]) == []
    changed = small_registry("Plan meetings across time zones")
    new_commands = build_command_set(changed)
    assert await sync_commands(http, Kept(sqlite_db), 7, new_commands, changed.fingerprint(), [1, 2]) == [1, 2]
    assert await sync_commands(http, Kept(sqlite_db), 7, new_commands, changed.fingerprint(), [None]) == [None]
    assert http.calls == [1, 2, 2, 1, 2, None]


# against Discord's documented limits (the fake's rules) ----------------------------------------------


def test_the_whole_command_tree_obeys_discords_rules() -> None:
    from bot.commands import build_registry
    from tests.fakes.discord_rules import command_problems

    payload = build_command_set(build_registry()).payload
    assert command_problems([dict(c) for c in payload]) == []
    assert command_problems([{"name": "Bad Name", "description": "", "options": []}]) != []


async def test_big_replies_render_to_messages_discord_accepts() -> None:
    from tests.fakes.discord_rules import component_problems, message_problems

    blocks: list[Any] = [Header("H" * 400)]
    blocks += [Section(rich("@everyone " + "word " * 300)) for _ in range(30)]
    blocks += [Fields(tuple(Field("f" * 300, rich("v" * 1500)) for _ in range(40)))]
    blocks += [Actions(tuple(Button(f"Button {i}", "act", str(i)) for i in range(30)))]
    messages = render_reply(Reply.channel(*blocks), IdBook())
    for message in messages:
        body = {"content": message.content, "embeds": [e.to_dict() for e in message.embeds]}
        assert message_problems(body) == []
        view = message.view()
        assert component_problems(view.to_components() if view else []) == []
    assert message_problems({"embeds": [{"description": "x" * 5000}]}) != []


def test_emphasis_keeps_spaces_outside_the_markers() -> None:
    from bot.adapters.discord.render import inline
    from bot.core.ui import Bold, Italic, rich

    assert inline(rich(Bold("Signed by 2: "), "Acme")) == "**Signed by 2:** Acme"
    assert inline(rich(Italic(" note"))) == " *note*"
    assert inline(rich(Bold("   "))) == "   "
