"""Discord's documented payload limits, checked by the fake so a test fails where Discord would
answer 400 "Invalid Form Body": commands, messages (content, embeds, components) and modals."""

from __future__ import annotations

import re
from typing import Any

NAME = re.compile(r"^[-_'\w]{1,32}$")
OPTION_TYPES = set(range(1, 12))
LOCALES = {
    "id",
    "da",
    "de",
    "en-GB",
    "en-US",
    "es-ES",
    "es-419",
    "fr",
    "hr",
    "it",
    "lt",
    "hu",
    "nl",
    "no",
    "pl",
    "pt-BR",
    "ro",
    "fi",
    "sv-SE",
    "vi",
    "tr",
    "cs",
    "el",
    "bg",
    "ru",
    "uk",
    "hi",
    "th",
    "zh-CN",
    "ja",
    "zh-TW",
    "ko",
}


def command_problems(commands: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(commands) > 100:
        problems.append("more than 100 commands")
    for command in commands:
        where = f"/{command.get('name')}"
        problems += _named(command, where)
        problems += _options(command.get("options", []), where, depth=0)
        if _size(command) > 4000:
            problems.append(f"{where}: names, descriptions and choices exceed 4000 characters")
    return problems


def _named(item: dict[str, Any], where: str) -> list[str]:
    problems = []
    name = item.get("name", "")
    if not NAME.match(name) or name != name.lower():
        problems.append(f"{where}: invalid name {name!r}")
    if not 1 <= len(item.get("description", "")) <= 100:
        problems.append(f"{where}: description must be 1-100 characters")
    for locale, text in (item.get("description_localizations") or {}).items():
        if locale not in LOCALES:
            problems.append(f"{where}: unknown locale {locale!r} in description_localizations")
        if not isinstance(text, str) or not 1 <= len(text) <= 100:
            problems.append(f"{where}: {locale} description must be 1-100 characters")
    return problems


def _options(options: list[dict[str, Any]], where: str, depth: int) -> list[str]:
    problems = []
    if len(options) > 25:
        problems.append(f"{where}: more than 25 options")
    names = [o.get("name") for o in options]
    if len(names) != len(set(names)):
        problems.append(f"{where}: duplicate option names")
    kinds = {o.get("type") for o in options}
    if kinds & {1, 2} and kinds - {1, 2}:
        problems.append(f"{where}: subcommands mixed with plain options")
    seen_optional = False
    for option in options:
        inner = f"{where} {option.get('name')}"
        problems += _named(option, inner)
        kind = option.get("type")
        if kind not in OPTION_TYPES:
            problems.append(f"{inner}: unknown option type {kind}")
        if kind in (1, 2):
            if (kind == 2 and depth > 0) or (kind == 1 and depth > 1):
                problems.append(f"{inner}: nested too deep")
            if kind == 2 and any(o.get("type") != 1 for o in option.get("options", [])):
                problems.append(f"{inner}: a group may only hold subcommands")
            problems += _options(option.get("options", []), inner, depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(f"{inner}: required options must come first")
        else:
            seen_optional = True
        choices = option.get("choices", [])
        if len(choices) > 25:
            problems.append(f"{inner}: more than 25 choices")
        if choices and option.get("autocomplete"):
            problems.append(f"{inner}: choices and autocomplete together")
        if "max_length" in option and not 1 <= option["max_length"] <= 6000:
            problems.append(f"{inner}: max_length must be 1-6000")
    return problems


def _size(item: dict[str, Any]) -> int:
    total = len(item.get("name", "")) + len(item.get("description", ""))
    total += sum(len(str(c.get("name", ""))) + len(str(c.get("value", ""))) for c in item.get("choices", []))
    return total + sum(_size(o) for o in item.get("options", []))


def message_problems(body: dict[str, Any], *, files: int = 0, creating: bool = True) -> list[str]:
    problems: list[str] = []
    content = body.get("content") or ""
    if len(content) > 2000:
        problems.append("content over 2000 characters")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append("more than 10 embeds")
    total = 0
    for number, embed in enumerate(embeds):
        where = f"embed {number}"
        title, description = embed.get("title") or "", embed.get("description") or ""
        fields = embed.get("fields") or []
        footer = (embed.get("footer") or {}).get("text") or ""
        total += len(title) + len(description) + len(footer)
        if len(title) > 256:
            problems.append(f"{where}: title over 256")
        if len(description) > 4096:
            problems.append(f"{where}: description over 4096")
        if len(fields) > 25:
            problems.append(f"{where}: more than 25 fields")
        for field in fields:
            name, value = field.get("name") or "", field.get("value") or ""
            total += len(name) + len(value)
            if not 1 <= len(name) <= 256 or not 1 <= len(value) <= 1024:
                problems.append(f"{where}: field name 1-256 and value 1-1024 characters")
    if total > 6000:
        problems.append(f"embeds total {total} characters, over 6000")
    components = body.get("components") or []
    problems += component_problems(components)
    has_attachments = files or body.get("attachments")
    if creating and not (content or embeds or has_attachments or body.get("poll")):
        problems.append("Cannot send an empty message")
    return problems


def component_problems(rows: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(rows) > 5:
        problems.append("more than 5 action rows")
    custom_ids: list[str] = []
    for row in rows:
        items = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(items) <= 5:
            problems.append("an action row holds 1-5 components")
        for item in items:
            custom_id = item.get("custom_id") or ""
            custom_ids.append(custom_id)
            if not 1 <= len(custom_id) <= 100:
                problems.append(f"custom_id must be 1-100 characters: {custom_id!r}")
            if item.get("type") == 2 and len(item.get("label") or "") > 80:
                problems.append("button label over 80")
            if item.get("type") == 3:
                if len(items) != 1:
                    problems.append("a select needs its own row")
                problems += _select_problems(item)
    if len(custom_ids) != len(set(custom_ids)):
        problems.append("custom_ids must be unique in a message")
    return problems


def _select_problems(select: dict[str, Any]) -> list[str]:
    problems = []
    options = select.get("options") or []
    if not 1 <= len(options) <= 25:
        problems.append("a select has 1-25 options")
    for option in options:
        if not 1 <= len(option.get("label") or "") <= 100 or not 1 <= len(option.get("value") or "") <= 100:
            problems.append("select option label and value must be 1-100 characters")
    if len(select.get("placeholder") or "") > 150:
        problems.append("select placeholder over 150")
    return problems


def modal_problems(modal: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if not 1 <= len(modal.get("title") or "") <= 45:
        problems.append("modal title must be 1-45 characters")
    if not 1 <= len(modal.get("custom_id") or "") <= 100:
        problems.append("modal custom_id must be 1-100 characters")
    labels = modal.get("components") or []
    if not 1 <= len(labels) <= 5:
        problems.append("a modal has 1-5 components")
    for label in labels:
        if label.get("type") != 18:
            continue
        if not 1 <= len(label.get("label") or "") <= 45:
            problems.append("label text must be 1-45 characters")
        if len(label.get("description") or "") > 100:
            problems.append("label description over 100")
        inner = label.get("component") or {}
        if inner.get("type") == 4:
            maximum = inner.get("max_length") or 4000
            if maximum > 4000 or len(inner.get("value") or "") > maximum:
                problems.append("text input max_length 4000 and value within it")
            if len(inner.get("placeholder") or "") > 100:
                problems.append("text input placeholder over 100")
        elif inner.get("type") == 3:
            problems += _select_problems(inner)
        elif inner.get("type") != 23:
            problems.append(f"unexpected component {inner.get('type')} in a label")
    return problems


def choice_problems(choices: list[dict[str, Any]]) -> list[str]:
    problems = []
    if len(choices) > 25:
        problems.append("more than 25 autocomplete choices")
    for choice in choices:
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            problems.append("choice name must be 1-100 characters")
        if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
            problems.append("choice value over 100")
    return problems
