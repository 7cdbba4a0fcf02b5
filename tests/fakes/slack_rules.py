"""Block Kit limits the fake Slack enforces, as Slack does (``invalid_blocks``).

Only what a renderer can get wrong is checked: counts, lengths, required parts, unique ids.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

BLOCK_LIMITS = {"message": 50, "modal": 100, "home": 100}


def _text(problems: list[str], where: str, obj: Any, limit: int, *, kind: str | None = None) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.append(f"{where}: not a text object")
        return
    if kind is not None and obj["type"] != kind:
        problems.append(f"{where}: must be {kind}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: empty text")
    elif len(text) > limit:
        problems.append(f"{where}: {len(text)} > {limit} characters")


def _option(problems: list[str], where: str, option: JSON) -> None:
    _text(problems, f"{where}.text", option.get("text"), 75, kind="plain_text")
    value = option.get("value")
    if not isinstance(value, str) or not value or len(value) > 150:
        problems.append(f"{where}.value: must be 1–150 characters")


def _element(problems: list[str], where: str, element: JSON) -> None:
    kind = element.get("type")
    action_id = element.get("action_id", "")
    if len(action_id) > 255:
        problems.append(f"{where}.action_id: longer than 255")
    if kind == "button":
        _text(problems, f"{where}.text", element.get("text"), 75, kind="plain_text")
        if len(element.get("value", "")) > 2000:
            problems.append(f"{where}.value: longer than 2000")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}.style: invalid")
    elif kind == "static_select":
        options = element.get("options") or []
        if not 1 <= len(options) <= 100:
            problems.append(f"{where}.options: {len(options)} (1–100)")
        for n, option in enumerate(options):
            _option(problems, f"{where}.options[{n}]", option)
        values = [o.get("value") for o in options]
        if len(values) != len(set(values)):
            problems.append(f"{where}.options: repeated values")
    elif kind == "plain_text_input":
        max_length = element.get("max_length", 3000)
        if not 1 <= max_length <= 3000:
            problems.append(f"{where}.max_length: {max_length}")
        if len(element.get("initial_value", "")) > max_length:
            problems.append(f"{where}.initial_value: longer than max_length")
    elif kind == "checkboxes":
        options = element.get("options") or []
        if not 1 <= len(options) <= 10:
            problems.append(f"{where}.options: {len(options)} (1–10)")
        for n, option in enumerate(options):
            _option(problems, f"{where}.options[{n}]", option)
    elif kind in ("datepicker", "number_input"):
        pass
    else:
        problems.append(f"{where}: unknown element {kind!r}")
    if "placeholder" in element:
        _text(problems, f"{where}.placeholder", element["placeholder"], 150, kind="plain_text")


def check_blocks(blocks: Any, surface: str = "message") -> list[str]:
    problems: list[str] = []
    if not isinstance(blocks, list):
        return ["blocks: not a list"]
    if len(blocks) > BLOCK_LIMITS[surface]:
        problems.append(f"blocks: {len(blocks)} > {BLOCK_LIMITS[surface]} in a {surface}")
    block_ids: set[str] = set()
    for n, block in enumerate(blocks):
        where = f"blocks[{n}]"
        kind = block.get("type")
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids or len(block_id) > 255:
                problems.append(f"{where}.block_id: repeated or too long")
            block_ids.add(block_id)
        if kind == "header":
            _text(problems, f"{where}.text", block.get("text"), 150, kind="plain_text")
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: a section needs text or fields")
            if "text" in block:
                _text(problems, f"{where}.text", block["text"], 3000)
            fields = block.get("fields", [])
            if len(fields) > 10:
                problems.append(f"{where}.fields: {len(fields)} > 10")
            for i, f in enumerate(fields):
                _text(problems, f"{where}.fields[{i}]", f, 2000)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                problems.append(f"{where}.elements: {len(elements)} (1–10)")
            for i, e in enumerate(elements):
                _text(problems, f"{where}.elements[{i}]", e, 3000)
        elif kind == "divider":
            pass
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                problems.append(f"{where}.elements: {len(elements)} (1–25)")
            ids = [e.get("action_id") for e in elements if e.get("action_id")]
            if len(ids) != len(set(ids)):
                problems.append(f"{where}: repeated action_id in one block")
            for i, e in enumerate(elements):
                _element(problems, f"{where}.elements[{i}]", e)
        elif kind == "input":
            if surface == "message":
                problems.append(f"{where}: input blocks belong in modals")
            _text(problems, f"{where}.label", block.get("label"), 2000, kind="plain_text")
            if "hint" in block:
                _text(problems, f"{where}.hint", block["hint"], 2000, kind="plain_text")
            _element(problems, f"{where}.element", block.get("element") or {})
        elif kind == "image":
            if not (block.get("image_url") or block.get("slack_file")) or not block.get("alt_text"):
                problems.append(f"{where}: image needs a source and alt_text")
        else:
            problems.append(f"{where}: unknown block type {kind!r}")
    return problems


def check_view(view: Any) -> list[str]:
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["view: type must be modal or home"]
    problems = check_blocks(view.get("blocks"), view["type"])
    if view["type"] == "modal":
        _text(problems, "view.title", view.get("title"), 24, kind="plain_text")
        for part in ("submit", "close"):
            if part in view:
                _text(problems, f"view.{part}", view[part], 24, kind="plain_text")
        if any(b.get("type") == "input" for b in view.get("blocks", [])) and "submit" not in view:
            problems.append("view: a modal with inputs needs a submit button")
        if len(view.get("private_metadata", "")) > 3000:
            problems.append("view.private_metadata: longer than 3000")
        if len(view.get("callback_id", "")) > 255:
            problems.append("view.callback_id: longer than 255")
    return problems
