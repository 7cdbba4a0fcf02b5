"""Stable ``custom_id``s: what a button, select or modal means, readable after any restart.

A component's ``custom_id`` carries the neutral action id and value (``a|checkin.open|7``), so
the catch-all interaction handler needs no in-memory view and old buttons keep working after a
restart. Ids longer than Discord's 100 characters, and forms (which a modal cannot carry whole),
are kept through the core's :class:`~bot.core.services.Kept` service under a content hash, so
saving the same thing twice is harmless.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

from bot.core.codec import encode_form, form_key
from bot.core.services import Kept
from bot.core.ui import Form

MAX_CUSTOM_ID = 100
SEP = "|"
ACTION, SELECT, FORM, OPEN, STORED = "a", "s", "f", "o", "h"


@dataclass(frozen=True)
class ActionTarget:
    """A button (value in the id) or select (value chosen by the person)."""

    action_id: str
    value: str | None = None


@dataclass(frozen=True)
class FormTarget:
    """A modal: the form handler, its opaque state, and the stored form (to reopen it prefilled)."""

    form_id: str
    state: str
    form_key: str


@dataclass(frozen=True)
class OpenFormTarget:
    """A button that opens a stored form as a modal."""

    form_key: str


Target = ActionTarget | FormTarget | OpenFormTarget


@dataclass
class IdBook:
    """Collects what rendering needs stored before the message goes out (long ids, forms)."""

    long_ids: dict[str, str] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)

    def button(self, action_id: str, value: str) -> str:
        return self._fit(ACTION, action_id, value)

    def select(self, action_id: str) -> str:
        return self._fit(SELECT, action_id)

    def modal(self, form: Form) -> str:
        return self._fit(FORM, self.keep_form(form), form.form_id, form.state)

    def open_form(self, form: Form) -> str:
        return self._fit(OPEN, self.keep_form(form))

    def keep_form(self, form: Form) -> str:
        key = form_key(form)
        self.forms[key] = form
        return key

    def _fit(self, kind: str, *parts: str) -> str:
        custom_id = SEP.join((kind, *parts))
        if len(custom_id) <= MAX_CUSTOM_ID and not any(SEP in p for p in parts[:-1]):
            return custom_id
        digest = hashlib.sha256(custom_id.encode()).hexdigest()[:32]
        self.long_ids[digest] = custom_id
        return SEP.join((STORED, digest))

    async def save(self, kept: Kept, *, hold_forms: bool = False) -> None:
        """Keep the long ids and forms; ``hold_forms``: the forms in memory only (a confidential
        form prefilled with what the person typed never reaches the database)."""
        documents = {f"discord:cid:{digest}": {"custom_id": cid} for digest, cid in self.long_ids.items()}
        forms = {f"discord:form:{key}": encode_form(form) for key, form in self.forms.items()}
        if hold_forms:
            kept.hold(forms)
        else:
            documents.update(forms)
        await kept.put(documents)
        self.long_ids.clear()
        self.forms.clear()


def parse(custom_id: str) -> Target | str | None:
    """A target, the digest of a stored long id (a ``str``), or ``None`` for foreign ids."""
    kind, _, rest = custom_id.partition(SEP)
    if kind == ACTION:
        action_id, _, value = rest.partition(SEP)
        return ActionTarget(action_id, value)
    if kind == SELECT:
        return ActionTarget(rest)
    if kind == FORM:
        key, _, tail = rest.partition(SEP)
        form_id, _, state = tail.partition(SEP)
        return FormTarget(form_id, state, key)
    if kind == OPEN:
        return OpenFormTarget(rest)
    if kind == STORED and rest:
        return rest
    return None


async def resolve(custom_id: str, kept: Kept) -> Target | None:
    parsed = parse(custom_id)
    if not isinstance(parsed, str):
        return parsed
    stored = await kept.get(f"discord:cid:{parsed}")
    if stored is None or not isinstance(stored.get("custom_id"), str):
        return None
    inner = parse(stored["custom_id"])
    return None if isinstance(inner, str) else inner


async def load_form(key: str, kept: Kept) -> Form | None:
    return await kept.form(f"discord:form:{key}")


def prefilled(form: Form, values: dict[str, str]) -> Form:
    """The same form with what the person typed as the initial values."""
    fields = tuple(
        dataclasses.replace(f, initial=values[f.name]) if values.get(f.name) is not None else f for f in form.fields
    )
    return dataclasses.replace(form, fields=fields)
