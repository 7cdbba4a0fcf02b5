"""The ``/impact`` command object, its parameters and the words shared by its modules."""

from __future__ import annotations

from bot.core.i18n import N_, tr
from bot.core.params import Kind, Param
from bot.core.registry import Command

impact = Command(
    "impact",
    N_("The coalition's success: wins, relationships between organisations, leaders, and the pulse"),
)

MAX_WIN = 1000
MAX_QUESTION = 300
MAX_COMMENT = 1000
WINDOW_DAYS = 90  # "how that changed over the last 90 days"; new leaders of the same period
YES_NO = ("yes", "no")

WIN_TEXT = Param("text", positional=True, max_length=MAX_WIN, description=N_("What the coalition won, in a sentence"))
GOAL = Param("goal", Kind.ID, autocomplete="goal", description=N_("The goal it belongs to (optional)"))
CLIMATE = Param("climate", Kind.CHOICE, choices=YES_NO, description=N_("yes if it shifted the political climate"))
CLOSE = Param("close", Kind.CHOICE, choices=YES_NO, description=N_("Steering: yes closes the goal too"))
QUESTION = Param("question", max_length=MAX_QUESTION, description=N_("The pulse's question (optional)"))

WIN_FORM = "impact.win"
PULSE_FORM = "impact.pulse"
PULSE_ACTION = "impact.pulse"  # "Answer anonymously" under a posted pulse

DEFAULT_QUESTION = N_("How well are the organisations in this coalition working together?")

WORK_LABELS = {
    "match": N_("pledges matched"),
    "meeting": N_("meetings attended"),
    "group": N_("working groups"),
    "goal": N_("shared goals"),
    "statement": N_("statements signed"),
}
LEAD_LABELS = {
    "goal": N_("set a goal"),
    "meeting": N_("proposed a meeting"),
    "flags": N_("handled flags"),
    "match": N_("matched a need"),
    "group": N_("started a working group"),
    "signature": N_("signed for their organisation"),
}


def work_label(kind: str) -> str:
    return tr(WORK_LABELS[kind])


def lead_label(kind: str) -> str:
    return tr(LEAD_LABELS[kind])
