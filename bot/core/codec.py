"""JSON for the neutral reply model, so a :class:`~bot.core.ui.Reply` can wait in the outbox.

Every value is a tagged dict (``{"t": "Section", ...}``); bytes travel as base64, datetimes as
ISO 8601 with their offset. ``decode(encode(reply)) == reply`` for every reply (tests check it),
except that an attachment on disk comes back carrying its bytes (the file may be gone by then).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core import ui

_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        ui.Plain,
        ui.Bold,
        ui.Italic,
        ui.Code,
        ui.Link,
        ui.Timestamp,
        ui.Rich,
        ui.Header,
        ui.Section,
        ui.Field,
        ui.Fields,
        ui.Progress,
        ui.Context,
        ui.Divider,
        ui.Button,
        ui.Option,
        ui.Select,
        ui.Actions,
        ui.Attachment,
        ui.Image,
        ui.FormField,
        ui.Form,
        ui.Reply,
    )
}
_ENUMS: dict[str, type[StrEnum]] = {"ButtonStyle": ui.ButtonStyle, "Visibility": ui.Visibility}


def encode(value: Any) -> Any:
    if isinstance(value, ui.Attachment) and value.path is not None:
        # A file on disk would not be there after a restart: what is kept carries its bytes.
        value = ui.Attachment(value.filename, value.read(), value.mime, value.title)
    if isinstance(value, StrEnum):
        return {"e": type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"t": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = encode(getattr(value, f.name))
        return out
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"d": {k: encode(v) for k, v in value.items()}}
    return value


def decode(data: Any, *, as_tuple: bool = True) -> Any:
    if isinstance(data, list):
        items = [decode(v) for v in data]
        return tuple(items) if as_tuple else items
    if not isinstance(data, dict):
        return data
    if "t" in data:
        cls = _TYPES[data["t"]]
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                # Reply keeps mutable lists; every other container in the model is a tuple.
                kwargs[f.name] = decode(data[f.name], as_tuple=cls is not ui.Reply)
        return cls(**kwargs)
    if "e" in data:
        return _ENUMS[data["e"]](data["v"])
    if "b64" in data:
        return base64.b64decode(data["b64"])
    if "dt" in data:
        return datetime.fromisoformat(data["dt"])
    if "d" in data:
        return {k: decode(v) for k, v in data["d"].items()}
    raise ValueError(f"not an encoded reply value: {data!r}")


def encode_reply(reply: ui.Reply) -> dict[str, Any]:
    encoded = encode(reply)
    assert isinstance(encoded, dict)
    return encoded


def decode_reply(data: dict[str, Any]) -> ui.Reply:
    reply = decode(data)
    if not isinstance(reply, ui.Reply):
        raise ValueError("not an encoded Reply")
    return reply


def encode_form(form: ui.Form) -> dict[str, Any]:
    """A form kept for later (adapters store the forms behind "open the form" buttons)."""
    encoded = encode(form)
    assert isinstance(encoded, dict)
    return encoded


def decode_form(data: dict[str, Any]) -> ui.Form | None:
    """A kept form, or ``None`` if the data is not one."""
    try:
        form = decode(data)
    except (KeyError, TypeError, ValueError):
        return None
    return form if isinstance(form, ui.Form) else None


def form_key(form: ui.Form) -> str:
    """A content hash of the form: keeping the same form twice keeps it once."""
    return hashlib.sha256(json.dumps(encode_form(form), sort_keys=True).encode()).hexdigest()[:16]
