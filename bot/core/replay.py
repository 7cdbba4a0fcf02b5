"""What a request answered after a restart says (:mod:`bot.core.intake`): the person asked before
the process died and hears back later, maybe in a direct message, so the answer says which request
it answers; a form whose answers had mistakes says that nothing was saved (the form they saw closed
without showing the mistakes next to its fields)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import N_, _
from bot.core.ui import Block, Context, Field, Fields, Form, Reply, Section, markup, rich

LATE_COMMAND = N_("The bot restarted before it could answer your command `{command}`. Here is its answer.")
LATE_CLICK = N_("The bot restarted before it could answer your click on a button. Here is its answer.")
LATE_FORM = N_("The bot restarted before it could answer the form you sent. Here is its answer.")
LATE_FORM_ERRORS = N_(
    "The bot restarted before it could answer the form you sent, and some answers need another look. "
    "Nothing was saved: send the form again with these fixed."
)
RUN_AGAIN = N_("Run the command again to get a fresh form.")


@dataclass(frozen=True)
class Late:
    """Which request a late answer answers: ``kind`` is command, action or form; ``command`` the
    command's name and subcommand path (``/coalition create``), never what the person typed."""

    kind: str
    command: str = ""

    def note(self) -> str:
        """The sentence put before the answer, in the current language."""
        if self.kind == "command" and self.command:
            return _(LATE_COMMAND, command=self.command)
        if self.kind == "form":
            return _(LATE_FORM)
        return _(LATE_CLICK)


def introduced(reply: Reply, late: Late) -> Reply:
    """The reply with a first line saying which request it answers (in ``reply.lang``, the
    current language when this is called inside ``language(reply.lang)``)."""
    blocks: list[Block] = [Context(markup(late.note())), *reply.blocks]
    return Reply(
        blocks=blocks,
        visibility=reply.visibility,
        attachments=reply.attachments,
        form=reply.form,
        is_error=reply.is_error,
        lang=reply.lang,
    )


def late_form_errors(errors: dict[str, str], labels: dict[str, str], form: Form | None = None) -> Reply:
    """A form's mistakes, found when it was run again after a restart: what was wrong, that nothing
    was saved, and the form to open again when there is one (in the current language)."""
    fields = tuple(Field(labels.get(name) or name, rich(message)) for name, message in errors.items())
    blocks: list[Block] = [Section(rich(_(LATE_FORM_ERRORS))), Fields(fields)]
    if form is None:
        blocks.append(Context(rich(_(RUN_AGAIN))))
    return Reply(blocks=blocks, form=form, is_error=True)
