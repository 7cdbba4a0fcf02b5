"""Block Kit rendering: every limit respected by splitting or clipping (checked with the fake's
rules), user text inert, timestamps in each viewer's zone, forms as modals."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.adapters.slack.ids import MAX_METADATA, ModalMeta, Stash, neutral_action_id
from bot.adapters.slack.render import (
    escape,
    form_errors,
    mrkdwn,
    render_home,
    render_modal,
    render_reply,
    submitted_values,
)
from bot.core.ui import (
    Actions,
    Attachment,
    Bold,
    Button,
    Code,
    Context,
    Field,
    Fields,
    Form,
    FormField,
    Header,
    Image,
    Italic,
    Link,
    Option,
    Progress,
    Reply,
    Section,
    Select,
    Timestamp,
    rich,
)
from tests.fakes.slack_rules import check_blocks, check_view


def all_blocks(reply: Reply) -> list[list[dict[str, object]]]:
    messages = render_reply(reply, Stash())
    for message in messages:
        assert check_blocks(message.blocks) == []
    return [m.blocks for m in messages]


def test_long_replies_split_into_messages_of_at_most_50_blocks() -> None:
    messages = all_blocks(Reply.private(*[Section(rich(f"line {n}")) for n in range(120)]))
    assert [len(m) for m in messages] == [50, 50, 20]


def test_long_text_fields_and_headers_are_split_or_clipped() -> None:
    long_line = ("word " * 1500).strip()  # 7,499 characters
    reply = Reply.private(
        Header("H" * 200),
        Section(rich(long_line)),
        Fields(tuple(Field(f"label {n}", rich("v" * 2500)) for n in range(23))),
        Context(rich("c" * 4000)),
    )
    [blocks] = all_blocks(reply)
    header, *rest = blocks
    assert len(header["text"]["text"]) == 150  # type: ignore[index]
    sections = [b for b in rest if b["type"] == "section" and "text" in b]
    assert len(sections) == 3
    assert "".join(s["text"]["text"] for s in sections).replace(" ", "") == long_line.replace(" ", "")  # type: ignore[index]
    assert [len(b["fields"]) for b in rest if "fields" in b] == [10, 10, 3]  # type: ignore[arg-type]
    assert len([b for b in rest if b["type"] == "context"]) == 2


def test_many_buttons_and_options_become_several_elements() -> None:
    buttons = tuple(Button(f"Button {n} " + "x" * 80, "poll.vote", str(n)) for n in range(30))
    select = Select(
        "goal.pick", "Pick a goal", tuple(Option(f"Goal {n} " + "y" * 80, "z" * 200 + str(n)) for n in range(150))
    )
    stash = Stash()
    [message] = render_reply(Reply.private(Actions((*buttons, select))), stash)
    assert check_blocks(message.blocks) == []
    rows = [b["elements"] for b in message.blocks]
    assert [len(r) for r in rows] == [25, 7]
    selects = [e for r in rows for e in r if e["type"] == "static_select"]
    assert [len(s["options"]) for s in selects] == [100, 50]
    assert {neutral_action_id(e["action_id"]) for r in rows for e in r} == {"poll.vote", "goal.pick"}
    assert len(stash.values) == 150, "option values over 150 characters are stored"


def test_user_text_never_pings_links_or_formats() -> None:
    text = mrkdwn(rich("<!channel> <!here|here> <@U123> @everyone <https://x.test|click> *b* _i_ ~s~ `c` & done"))
    for bad in ("<!", "<@", "<http", "@everyone", "*b*", "_i_", "~s~", "`c`"):
        assert bad not in text
    assert "&lt;!channel&gt;" in text
    assert "&amp; done" in text
    assert escape("snake_case stays") == "snake_case stays"


def test_bot_markup_renders_as_mrkdwn() -> None:
    at = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    text = mrkdwn(
        rich(
            Bold(" Clean *Air* "),
            Italic("soon"),
            Code("/goal `add`"),
            Link("https://a.test/?x=1&y=2", "the page"),
            Timestamp(at),
        )
    )
    assert " *Clean ∗Air∗* " in text
    assert "_soon_" in text
    assert "`/goal ˋaddˋ`" in text
    assert "<https://a.test/?x=1&amp;y=2|the page>" in text
    assert "<!date^1772389800^{date_short_pretty} {time}|Sun 01 Mar 2026 18:30 UTC>" in text
    assert mrkdwn(rich(Link("javascript:alert(1)", "x"))) == "x (`javascript:alert(1)`)"  # shown, not linked


def test_progress_errors_and_images() -> None:
    chart = Attachment("chart.png", b"\x89PNG", "image/png")
    reply = Reply(
        blocks=[Section(rich("Oops")), Progress("Calls", 40, 1000, "calls"), Image(chart, "Progress chart")],
        is_error=True,
    )
    [message] = render_reply(reply, Stash())
    assert message.blocks[0]["text"]["text"].startswith(":warning: ")
    assert "40 / 1,000 calls (4%)" in message.blocks[1]["text"]["text"]
    assert "Progress chart" in message.blocks[2]["elements"][0]["text"]
    assert message.files == [chart]


def test_a_form_that_cannot_open_becomes_a_button() -> None:
    stash = Stash()
    form = Form("checkin.log", "Check in", (FormField("amount", "Amount", "number"),))
    [message] = render_reply(Reply.open_form(form), stash)
    [button] = message.blocks[-1]["elements"]
    assert neutral_action_id(button["action_id"]) == "coalition_bot.open_form"
    assert stash.forms[button["value"]] == form


def test_forms_render_as_valid_modals() -> None:
    form = Form(
        "checkin.log",
        "A very long title that Slack would refuse",
        (
            FormField(
                "goal", "Goal", "select", options=(Option("#1 Calls", "1"), Option("#2 Doors", "2")), initial="2"
            ),
            FormField("amount", "Amount", "number", initial="12.5"),
            FormField("note", "Note", "long_text", required=False, max_length=5000, placeholder="p" * 200),
            FormField("due", "Due", "date", initial="2026-03-01", hint="When"),
            FormField("authorised", "I may sign", "checkbox", initial="yes"),
        ),
        submit_label="Send it",
        state="s" * 4000,
    )
    stash = Stash()
    view = render_modal(form, ModalMeta("checkin.log", form.state, "T1", "C1", "https://r.test/1"), stash, lang="en")
    assert check_view(view) == []
    assert view["title"]["text"] == "A very long title that …"
    assert len(view["private_metadata"]) < MAX_METADATA
    assert json.loads(next(iter(stash.values.values())))["state"] == form.state
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["goal"]["element"]["initial_option"]["value"] == "2"
    assert blocks["note"]["optional"] is True
    assert blocks["note"]["element"]["max_length"] == 3000


def test_submitted_values_and_errors_next_to_fields() -> None:
    state = {
        "values": {
            "goal": {"value": {"type": "static_select", "selected_option": {"value": "2"}}},
            "amount": {"value": {"type": "number_input", "value": "3"}},
            "due": {"value": {"type": "datepicker", "selected_date": "2026-03-01"}},
            "ok": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
            "note": {"value": {"type": "plain_text_input", "value": None}},
        }
    }
    assert submitted_values(state) == {"goal": "2", "amount": "3", "due": "2026-03-01", "ok": "yes", "note": ""}
    assert form_errors({"amount": "Not a number.", "other": "Bad."}, ["goal", "amount"]) == {
        "amount": "Not a number.",
        "goal": "Bad.",
    }


def test_home_view_stays_within_100_blocks() -> None:
    view = render_home(Reply.private(*[Section(rich(f"row {n}")) for n in range(150)]), Stash())
    assert check_view(view) == []
    assert len(view["blocks"]) == 100


PIECES = [*"<>!@&|*_~`#^ \nabcUC0123é😀", "channel", "here", "everyone", "<!", "<@", "&lt;"]
TRICKY = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


def mrkdwn_texts(blocks: list[dict[str, object]]) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


@settings(max_examples=80, deadline=None)
@given(TRICKY, st.integers(min_value=0, max_value=40))
@example("@channel_", 0)
def test_any_user_text_renders_valid_and_inert(typed: str, repeat: int) -> None:
    reply = Reply.private(
        Header(typed),
        Section(rich(typed * repeat)),
        Fields((Field(typed, rich(typed)),)),
        Context(rich(Bold(typed), Italic(typed), Code(typed))),
    )
    for blocks in all_blocks(reply):
        for shown in mrkdwn_texts(blocks):
            assert "<" not in shown
            for broadcast in ("@here", "@channel", "@everyone"):
                assert broadcast not in shown.lower()
