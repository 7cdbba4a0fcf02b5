"""The ``/pledge`` command object, its parameters and the words for kinds and states."""

from __future__ import annotations

from bot.core.i18n import N_, tr
from bot.core.params import Kind, Param
from bot.core.registry import Command
from bot.store.pledge_models import ItemState, ResourceKind

pledge = Command(
    "pledge",
    N_("Offer resources, post needs, match them, and see who brings what"),
    default=("offer",),
    bare=("offer",),
)

KINDS = tuple(k.value for k in ResourceKind)
KIND_LABELS = {
    ResourceKind.FUNDING.value: N_("Funding"),
    ResourceKind.VOLUNTEERS.value: N_("Volunteers"),
    ResourceKind.SPACE.value: N_("Space"),
    ResourceKind.EXPERTISE.value: N_("Expertise"),
    ResourceKind.DATA.value: N_("Data"),
    ResourceKind.NETWORK.value: N_("Network"),
    ResourceKind.OTHER.value: N_("Other"),
}
STATE_LABELS = {
    ItemState.OFFERED.value: N_("offered"),
    ItemState.OPEN.value: N_("open"),
    ItemState.MATCHED.value: N_("matched"),
    ItemState.FULFILLED.value: N_("fulfilled"),
    ItemState.WITHDRAWN.value: N_("withdrawn"),
}

MAX_DESCRIPTION = 1000
MAX_UNIT = 40

DESCRIPTION = Param(
    "description", positional=True, max_length=MAX_DESCRIPTION, description=N_("What it is, in a sentence")
)
KIND = Param(
    "kind", Kind.CHOICE, choices=KINDS, description=N_("funding, volunteers, space, expertise, data, network or other")
)
LIST_KIND = Param("kind", Kind.CHOICE, positional=True, choices=KINDS, description=N_("Only this kind"))
AMOUNT = Param("amount", Kind.NUMBER, minimum=0, description=N_("How much (optional)"))
UNIT = Param("unit", max_length=MAX_UNIT, description=N_("What is counted, like EUR or people"))
# What an id refers to (``autocomplete``) is named after the table its ids live in. Offers and needs
# share one table and one list of ids, so one kind suggests both, each saying which it is.
ITEMS = "pledgeitem"
ITEM = Param("id", Kind.ID, required=True, positional=True, autocomplete=ITEMS, description=N_("An offer or need id"))
OFFER = Param("pledge", Kind.ID, required=True, positional=True, autocomplete=ITEMS, description=N_("The offer id"))
NEED = Param("need", Kind.ID, required=True, positional=True, autocomplete=ITEMS, description=N_("The need id"))

HELP_ACTION = "pledge.help"  # "I can help" under a posted need
MATCH_ACTION = "pledge.match"  # "Match" under an offer's list of needs it could meet
PROFILE_ACTION = "pledge.profile"  # "Fill in our profile" after joining with a new organisation
LIMITS_ACTION = "pledge.limits"  # the profile's second page
NEW_ORG = "new"


def kind_label(kind: str) -> str:
    return tr(KIND_LABELS.get(kind, KIND_LABELS[ResourceKind.OTHER.value]))


def state_label(state: str) -> str:
    return tr(STATE_LABELS.get(state, state))


EXAMPLE = """\
### Try it in the console

Paste this into `./dev start console --as alice` (or save it and run
`./dev start console --as alice < pledges.txt`). Bob and Dave offer masks, Carol's clinic needs 200;
Dave answers the posted need with its "I can help" button (`1`), then fills in the form.

```
/coalition create "Clean Air" tz=Europe/Berlin
:as bob
/coalition join org="Acme Trust"
/pledge offer "A box of FFP2 masks" amount=50 unit=masks
:as dave
/coalition join org="Harbour Aid"
:as carol
/coalition join org="River Group"
/pledge need "200 FFP2 masks for the clinic" amount=200 unit=masks
:as bob
/pledge match 1 2
:as dave
1
Masks from our stock

100 masks
:as carol
/pledge fulfill 2 amount=120
/pledge show 2
:as alice
/pledge map
```

Offers and needs share one list of ids, so `show`, `fulfill` and `withdraw` take either. A need
posted with `amount=` always shows what is still missing; offers matched to it take what they
can (`match <offer> <need> amount=` takes less). `/coalition profile` fills in your organisation's
profile; `/coalition profile "Acme Trust"` reads another's.
"""
setattr(pledge, "example", EXAMPLE)  # noqa: B010  (read by bot.core.docs for docs/commands.md)
