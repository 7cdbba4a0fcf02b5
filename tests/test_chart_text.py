"""People's text in pictures: organisation names and goal titles with control characters, scripts
the chart font lacks and emoji are drawn (boxes where the font has no glyph), never a crash — the
suite turns matplotlib's "Glyph … missing" warning into an error, as the fuzz test found."""

from __future__ import annotations

import pytest

from bot.charts.style import FONTS, MISSING, WIDE_FONTS, drawable, name_label, short
from tests.support import Chat

NAMES = ("Verein\x1b", "木の会", "🚲 Bikes", "Zero\u200bwidth")


def test_drawable_drops_invisible_characters_and_boxes_missing_glyphs() -> None:
    assert drawable("Verein\x1b") == "Verein"
    assert drawable("Zero\u200bwidth") == "Zerowidth"
    assert drawable("Ünïcödé Ωμέγα") == "Ünïcödé Ωμέγα"
    assert drawable("ᱚ Ol Chiki") == MISSING + " Ol Chiki"  # a script none of the fonts has
    assert short("木の会" * 30, 10).endswith("…")
    assert "\x1b" not in name_label("Organisation\x1b number 12", 12)


@pytest.mark.skipif(
    FONTS != WIDE_FONTS,
    reason="the wide chart fonts are not installed: run .ci/run, or apt-get install fonts-noto-cjk fonts-symbola",
)
def test_chinese_japanese_korean_and_emoji_are_drawn_not_boxed() -> None:
    for text in ("木の会", "환경 연대", "绿色联盟", "🚲 Bikes", "✊ Unidos 🌍"):
        assert drawable(text) == text
    assert MISSING not in name_label("東京環境ネットワーク協議会", 8)


async def test_every_picture_draws_names_in_any_script(chat: Chat) -> None:
    await chat.say("alice", '/coalition create "Scripts"')
    await chat.say("alice", '/goal add "水と空気\x07" target=100 unit=calls')
    for who, name in zip(("bob", "carol", "dave", "erin"), NAMES, strict=True):
        await chat.say(who, f'/coalition join org="{name}"')
        await chat.say(who, "/checkin 5")
        await chat.say(who, f'/pledge offer "Room for {name}" kind=space')
    for line in ("/impact report", "/impact relationships", "/pledge map", "/coalition status", "/goal show 1"):
        reply = await chat.say("alice", line)
        assert not reply.is_error, (line, reply.plain())
        assert "went wrong" not in reply.plain(), line
