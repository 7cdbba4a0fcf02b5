"""Forms as Discord modals, and what a modal cannot do itself: show errors next to its fields.

A modal holds at most five labelled inputs (text, select, checkbox); its ``custom_id`` names the
stored form, so the catch-all handler can reopen it prefilled. Its own words (placeholders, the
title fallback) are in the language of the reply that opened it.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord.custom_ids import IdBook
from bot.adapters.discord.render import MAX_SELECT_OPTIONS, clip, unique
from bot.core.i18n import N_, _, language
from bot.core.ui import Block, Context, Field, Fields, Form, FormField, Reply, Section, rich

log = logging.getLogger(__name__)

MAX_MODAL_FIELDS = 5
FIX_FORM_LABEL = N_("Fix and resubmit")
FORM_ERRORS_INTRO = N_("Some answers need another look:")
FORM_GONE = N_("Run the command again to get a fresh form.")


def render_modal(form: Form, ids: IdBook, *, lang: str | None) -> discord.ui.Modal:
    """A modal with one labelled input per field; the catch-all handler receives the submission.
    Its own words (placeholders) in ``lang``, the language of the reply that opened it."""
    with language(lang):
        return _render_modal(form, ids)


def _render_modal(form: Form, ids: IdBook) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=clip(form.title, 45) or _("Form"), custom_id=ids.modal(form), timeout=None)
    if len(form.fields) > MAX_MODAL_FIELDS:
        log.warning("form %s has %d fields; a Discord modal shows %d", form.form_id, len(form.fields), MAX_MODAL_FIELDS)
    for form_field in form.fields[:MAX_MODAL_FIELDS]:
        description = clip(form_field.hint, 100) or None
        modal.add_item(
            discord.ui.Label(
                text=clip(form_field.label, 45) or form_field.name,
                description=description,
                component=_input(form_field),
            )
        )
    modal.stop()  # not kept in memory: see OutgoingMessage.view
    return modal


def _input(form_field: FormField) -> discord.ui.Item[discord.ui.Modal]:
    if form_field.kind == "select" and form_field.options:
        options = [
            discord.SelectOption(
                label=clip(o.label, 100) or "—", value=clip(o.value, 100), default=o.value == form_field.initial
            )
            for o in unique(form_field.options)[:MAX_SELECT_OPTIONS]
        ]
        return discord.ui.Select(
            custom_id=form_field.name,
            options=options,
            min_values=1 if form_field.required else 0,
            max_values=1,
            required=form_field.required,
            placeholder=clip(form_field.placeholder, 150) or None,
        )
    if form_field.kind == "checkbox":
        return discord.ui.Checkbox(
            custom_id=form_field.name, default=form_field.initial.lower() in ("yes", "true", "1")
        )
    max_length = max(1, min(form_field.max_length, 4000))
    placeholder = form_field.placeholder or {"date": "YYYY-MM-DD", "number": _("A number")}.get(form_field.kind, "")
    return discord.ui.TextInput(
        custom_id=form_field.name,
        style=discord.TextStyle.paragraph if form_field.kind == "long_text" else discord.TextStyle.short,
        required=form_field.required,
        default=form_field.initial[:max_length] or None,
        placeholder=clip(placeholder, 100) or None,
        max_length=max_length,
    )


def form_errors_reply(errors: dict[str, str], form: Form | None, *, lang: str | None) -> Reply:
    """Modals cannot show field errors: a private list of them, and a button to reopen the form."""
    labels = {f.name: f.label for f in form.fields} if form is not None else {}
    fields = tuple(Field(labels.get(name, name), rich(message)) for name, message in errors.items())
    with language(lang):
        blocks: list[Block] = [Section(rich(_(FORM_ERRORS_INTRO))), Fields(fields)]
        if form is None:
            blocks.append(Context(rich(_(FORM_GONE))))
    return Reply(blocks=blocks, form=form, is_error=True, lang=lang)
