"""The SPEC grammar: tokens, keys, quotes, typed values, and clear errors for bad input."""

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.core.errors import BadArgument, UserError
from bot.core.params import Kind, Param, UserRef, assign, convert, convert_value, parse_text, quote, tokenize


def values(text: str) -> list[tuple[str | None, str]]:
    return [(t.key, t.value) for t in tokenize(text)]


def test_tokens_keys_and_quotes() -> None:
    assert values('add "Calls to MPs" target=1000 unit=calls') == [
        (None, "add"),
        (None, "Calls to MPs"),
        ("target", "1000"),
        ("unit", "calls"),
    ]
    assert values('log 5 blockers="no phones, no room"') == [
        (None, "log"),
        (None, "5"),
        ("blockers", "no phones, no room"),
    ]


def test_curly_quotes_from_phones_and_escaped_quotes() -> None:
    assert values("add “Calls to MPs” target=3") == [(None, "add"), (None, "Calls to MPs"), ("target", "3")]
    assert values(r'"say \"hi\" now"') == [(None, 'say "hi" now')]


def test_equals_inside_quotes_is_text() -> None:
    assert values('"a=b c"') == [(None, "a=b c")]


def test_unclosed_quote_is_a_clear_error() -> None:
    with pytest.raises(BadArgument, match="quote is not closed"):
        tokenize('add "Calls target=3')


@given(st.text(max_size=200))
def test_quote_round_trips(text: str) -> None:
    tokens = tokenize(quote(text))
    assert [t.value for t in tokens] == [text]


PARAMS = (
    Param("title", required=True, positional=True, max_length=20),
    Param("target", Kind.NUMBER, required=True),
    Param("due", Kind.DATE),
)


def test_assign_and_convert() -> None:
    raw = assign(PARAMS, tokenize('"Calls" target=1,000 due=2026-12-31'), "usage")
    assert convert(PARAMS, raw, "usage") == {"title": "Calls", "target": 1000.0, "due": date(2026, 12, 31)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"Calls" target=abc', "`target` must be a number"),
        ('"Calls" target=5 due=2026-13-45', "`due` must be a real date as YYYY-MM-DD"),
        ('"Calls" target=5 due=2026-02-30', "`due` must be a real date"),
        ('"Calls"', "`target` is missing"),
        ('"Calls" target=5 colour=red', "Unknown option `colour=`"),
        ('"Calls" target=5 target=6', "given twice"),
        ('"Calls" extra target=5', "Unexpected `extra`"),
        ('"' + "x" * 21 + '" target=5', "too long: 21 characters, at most 20"),
        ('"Calls" target=nan', "must be a number below a trillion"),
        ('"Calls" target=1e30', "must be a number below a trillion"),
    ],
)
def test_bad_input_messages(text: str, message: str) -> None:
    with pytest.raises(BadArgument) as caught:
        convert(PARAMS, assign(PARAMS, tokenize(text), "/goal add usage"), "/goal add usage")
    assert message in caught.value.message


def test_typed_values() -> None:
    assert convert_value(Param("time", Kind.TIME), "09:30") == time(9, 30)
    assert convert_value(Param("tz", Kind.TZ), "Europe/Berlin") == "Europe/Berlin"
    assert convert_value(Param("user", Kind.USER), "<@U123ABC|alex>") == UserRef("U123ABC")
    assert convert_value(Param("user", Kind.USER), "<@!4242>") == UserRef("4242")
    assert convert_value(Param("user", Kind.USER), "@bob") == UserRef("bob")
    assert convert_value(Param("id", Kind.ID), "#12") == 12
    assert convert_value(Param("role", Kind.CHOICE, choices=("steering", "member")), "Steering") == "steering"


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        (Param("time", Kind.TIME), "25:00", "HH:MM"),
        (Param("tz", Kind.TZ), "Berlin", "Did you mean `Europe/Berlin`?"),
        (Param("tz", Kind.TZ), "../../etc/passwd", "time zone"),
        (Param("id", Kind.ID, autocomplete="goal"), "abc", "not a goal id"),
        (Param("id", Kind.ID), "0", "ids are numbers"),
        (Param("role", Kind.CHOICE, choices=("steering", "member")), "king", "must be one of: steering, member"),
    ],
)
def test_typed_value_errors(param: Param, value: str, message: str) -> None:
    with pytest.raises(BadArgument, match=message.replace("?", r"\?").replace("`", "`")):
        convert_value(param, value)


def test_overlong_command_text_is_refused() -> None:
    with pytest.raises(BadArgument, match="too long"):
        tokenize("x" * 10_000)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["coalition", "goal", "checkin"]), st.text(max_size=120))
def test_any_text_parses_or_gives_a_user_error(command: str, text: str) -> None:
    """Parsing never raises anything but a user error (which the dispatcher turns into a reply)."""
    registry = build_registry()
    cmd = registry.get(command)
    assert cmd is not None
    try:
        parse_text(cmd, text)
    except UserError as error:
        message = error.message
        assert message, "a user error must say what is wrong"


@pytest.mark.parametrize("digits", ["²", "③", "٣", "１２", "Ⅻ", "¼", "𝟙", "৩"])
@pytest.mark.parametrize(
    ("param", "template"),
    [
        (Param("goal", Kind.ID, autocomplete="goal"), "{}"),
        (Param("goal", Kind.ID), "#{}"),
        (Param("amount", Kind.NUMBER), "{}"),
        (Param("amount", Kind.NUMBER), "1{}"),
        (Param("count", Kind.INT), "{}"),
        (Param("due", Kind.DATE), "2026-12-0{}"),
        (Param("at", Kind.TIME), "0{}:30"),
        (Param("at", Kind.DATETIME), "2026-12-01 1{}:00"),
    ],
)
def test_only_ascii_digits_are_numbers(param: Param, template: str, digits: str) -> None:
    """``str.isdigit`` and ``float`` accept other digits; the grammar does not (issue 11)."""
    with pytest.raises(BadArgument):
        convert_value(param, template.format(digits))


def test_numbers_as_documented() -> None:
    number = Param("amount", Kind.NUMBER)
    assert [convert_value(number, v) for v in ("40", "1,000", "2.5", "-3", "+4", ".5", "1e3", "1_000")] == [
        40.0,
        1000.0,
        2.5,
        -3.0,
        4.0,
        0.5,
        1000.0,
        1000.0,
    ]
    assert convert_value(Param("goal", Kind.ID), "#007") == 7
    with pytest.raises(BadArgument, match="is not an id"):
        convert_value(Param("goal", Kind.ID), "1" * 13)  # longer than any id
