"""Just enough YAML to read ``compose.yaml`` in tests (no YAML library is installed): block mappings
and lists by indentation, ``#`` comments, JSON-style flow lists and quoted strings, plain scalars.
Anything else raises, so the file stays in this plain subset."""

from __future__ import annotations

import json
from typing import Any


def strip_comment(line: str) -> str:
    quote = ""
    for i, c in enumerate(line):
        if c in "\"'" and (not quote or quote == c):
            quote = "" if quote else c
        elif c == "#" and not quote and (i == 0 or line[i - 1] == " "):
            return line[:i].rstrip()
    return line.rstrip()


def scalar(text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if text[0] in '[{"':
        return json.loads(text)
    if text in ("true", "false"):
        return text == "true"
    if text.isdigit():
        return int(text)
    if text[0] in "'&*!|>":
        raise ValueError(f"outside the YAML subset: {text!r}")
    return text


def parse(source: str) -> Any:
    lines = [(len(s) - len(s.lstrip(" ")), s.strip()) for s in map(strip_comment, source.splitlines()) if s.strip()]
    value, end = block(lines, 0, lines[0][0] if lines else 0)
    if end != len(lines):
        raise ValueError(f"unexpected indentation at {lines[end][1]!r}")
    return value


def block(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[Any, int]:
    if start < len(lines) and lines[start][1].startswith("- "):
        items: list[Any] = []
        i = start
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            items.append(scalar(lines[i][1][2:]))
            i += 1
        return items, i
    mapping: dict[str, Any] = {}
    i = start
    while i < len(lines) and lines[i][0] == indent:
        key, sep, rest = lines[i][1].partition(":")
        if not sep or (rest and not rest.startswith(" ")):
            raise ValueError(f"not a mapping entry: {lines[i][1]!r}")
        if key in mapping:
            raise ValueError(f"duplicate key {key!r}")
        i += 1
        if rest.strip():
            mapping[key] = scalar(rest)
        elif i < len(lines) and lines[i][0] > indent:
            mapping[key], i = block(lines, i, lines[i][0])
        else:
            mapping[key] = None
    return mapping, i
