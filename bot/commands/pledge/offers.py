"""``/pledge offer`` and ``/pledge need``, by text or form, and the "I can help" button.

Offers and needs are always made on behalf of the member's organisation; a member without one
picks or creates it in the form. A need is posted in every linked channel with the best open
offers; an offer's reply lists the open needs it could meet.
"""

from __future__ import annotations

import hashlib
import re

from bot.commands.pledge import service
from bot.commands.pledge.command import (
    AMOUNT,
    DESCRIPTION,
    HELP_ACTION,
    KIND,
    KINDS,
    MAX_DESCRIPTION,
    MAX_UNIT,
    NEW_ORG,
    UNIT,
    kind_label,
    pledge,
    state_label,
)
from bot.commands.pledge.ledger import open_for_more
from bot.commands.pledge.matching import make_match
from bot.commands.pledge.ranking import fold, unit_key, units_compatible
from bot.commands.pledge.repo import pledge_repo
from bot.commands.pledge.views import line, offer_reply
from bot.core.context import Ctx
from bot.core.errors import BadArgument, FormInvalid, NotFound, UserError
from bot.core.i18n import N_, _, ngettext, number
from bot.core.params import Args, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Block, Context, Form, FormField, Option, Reply, Section, markup, rich
from bot.store.models import Organisation
from bot.store.pledge_models import PledgeItem, ResourceKind, Side

CURRENCIES = {"eur", "usd", "gbp"}
PEOPLE = {"person"}
QUANTITY_RE = re.compile(r"^\s*([€$£])?\s*(\d[\d.,' \u00a0\u202f]*)\s*(.*?)\s*$")


@pledge.sub(
    "offer",
    summary=N_("Offer a resource for your organisation; bare /pledge opens a form"),
    usage='/pledge offer "<description>" [kind=] [amount=] [unit=]',
    roles=CONTRIBUTORS,
    opens_form=True,
    params=(DESCRIPTION, KIND, AMOUNT, UNIT),
)
async def offer(ctx: Ctx, args: Args) -> Reply:
    return await by_text(ctx, Side.OFFER, args)


@pledge.sub(
    "need",
    summary=N_("Ask for a resource; posted in every linked channel; bare: a form"),
    usage='/pledge need "<description>" [kind=] [amount=] [unit=]',
    roles=CONTRIBUTORS,
    opens_form=True,
    params=(DESCRIPTION, KIND, AMOUNT, UNIT),
)
async def need(ctx: Ctx, args: Args) -> Reply:
    return await by_text(ctx, Side.NEED, args)


async def by_text(ctx: Ctx, side: Side, args: Args) -> Reply:
    organisation = await my_organisation(ctx)
    if not args.given or not args.description or organisation is None:
        reply = Reply.open_form(
            await item_form(
                ctx,
                side,
                description=args.get("description", ""),
                kind=args.kind,
                amount=args.amount,
                unit=args.unit or "",
            )
        )
        if args.given and organisation is None:
            reply.blocks = [Section(rich(_("Choose the organisation you act for in the form.")))]
        return reply
    if args.unit and args.amount is None:
        raise BadArgument(_("`unit` needs an `amount`, like `amount=200 unit=masks`."))
    kind = args.kind or guess_kind(args.unit or "")
    item, created = await create(ctx, side, organisation, kind, args.description, args.amount, args.unit or "")
    return await announce(ctx, item, created)


async def announce(ctx: Ctx, item: PledgeItem, created: bool) -> Reply:
    """Post a new need in every channel, or list the needs a new offer could meet."""
    repo = pledge_repo(ctx)
    t = (await service.tallies(repo, [item]))[item.id or 0]
    orgs = await repo.organisation_names()
    org = orgs.get(item.organisation_id, "?")
    if item.side == Side.OFFER.value:
        needs, items = await service.best(repo, item, t)
        if created:
            await service.refresh_listings(ctx, item)
        reply = offer_reply(item, t, org, needs, orgs, items)
    else:
        blocks: list[Block] = []
        if created:
            copies = await service.post_need(ctx, item)
            text = ngettext(
                "Need #{id} is posted for {org} in {n} channel.",
                "Need #{id} is posted for {org} in {n} channels.",
                copies,
                id=item.id,
                org=org,
            )
            blocks.append(Section(rich(text)))
        blocks.append(line(item, t, org))
        offers, items = await service.best(repo, item, t)
        if offers:
            blocks.append(
                Context(
                    markup(
                        _(
                            "The post lists the best open offers; match one with `/pledge match <offer> {id}`.",
                            id=item.id,
                        )
                    )
                )
            )
        reply = Reply.private(*blocks)
    if not created:
        reply.blocks.insert(0, Context(rich(_("This was posted already as #{id}; nothing new was added.", id=item.id))))
    return reply


def guess_kind(unit: str) -> str:
    key = unit_key(unit)
    if key in CURRENCIES:
        return ResourceKind.FUNDING.value
    if key in PEOPLE:
        return ResourceKind.VOLUNTEERS.value
    return ResourceKind.OTHER.value


async def my_organisation(ctx: Ctx) -> Organisation | None:
    if ctx.me.organisation_id is None:
        return None
    return await ctx.repo.organisation(ctx.me.organisation_id)


def fingerprint(
    side: Side, organisation_id: int, kind: str, description: str, amount: float | None, unit: str, need_id: int | None
) -> str:
    raw = "|".join(
        (side.value, str(organisation_id), kind, fold(description), repr(amount), unit_key(unit), str(need_id or ""))
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def clean_description(raw: str) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise BadArgument(_('Say what it is, like `/pledge offer "Meeting room for 40 people" kind=space`.'))
    if len(text) > MAX_DESCRIPTION:
        raise BadArgument(
            ngettext(
                "The description is too long: {n} character, at most {limit}.",
                "The description is too long: {n} characters, at most {limit}.",
                len(text),
                limit=number(MAX_DESCRIPTION),
            )
        )
    return text


async def create(
    ctx: Ctx,
    side: Side,
    organisation: Organisation,
    kind: str,
    raw_description: str,
    amount: float | None,
    unit: str,
    *,
    for_need: int | None = None,
) -> tuple[PledgeItem, bool]:
    """The new offer or need, or the same one already posted (a double click, a retried request)."""
    description = clean_description(raw_description)
    unit = " ".join(unit.split())
    if amount is not None and amount <= 0:
        raise BadArgument(_("`amount` must be more than 0."))
    if len(unit) > MAX_UNIT:
        raise BadArgument(_("The unit is too long: at most {limit} characters.", limit=MAX_UNIT))
    if kind not in KINDS:
        raise BadArgument(_("Choose a kind: {kinds}.", kinds=", ".join(KINDS)))
    repo = pledge_repo(ctx)
    key = fingerprint(side, organisation.id or 0, kind, description, amount, unit, for_need)
    existing = await repo.active_by_fingerprint(key)
    if existing is not None:
        return existing, False
    now = ctx.clock.now()
    item = PledgeItem(
        coalition_id=ctx.c.id or 0,
        side=side.value,
        organisation_id=organisation.id or 0,
        member_id=ctx.me.id,
        kind=kind,
        description=description,
        amount=amount,
        unit=unit if amount is not None else "",
        state="offered" if side == Side.OFFER else "open",
        fingerprint=key,
        created_at=now,
        updated_at=now,
    )
    stored = await repo.add_item(item)
    if stored is not item:
        return stored, False
    await repo.record(item, "posted", at=now, member_id=ctx.me.id)
    await ctx.repo.audit(
        f"pledge.{side.value}",
        member=ctx.me,
        subject=organisation.name,
        item_id=item.id,
        kind=kind,
        amount=amount,
        unit=unit,
    )
    return item, True


# forms -------------------------------------------------------------------------------------------

FORM_PARAMS = (
    Param("description", required=True, max_length=MAX_DESCRIPTION),
    Param("kind", max_length=20),
    Param("quantity", max_length=80),
    Param("org", max_length=20),
    Param("new_org", max_length=100),
)


async def item_form(
    ctx: Ctx,
    side: Side,
    *,
    description: str = "",
    kind: str | None = None,
    amount: float | None = None,
    unit: str = "",
    need: PledgeItem | None = None,
) -> Form:
    """The offer or need form; the organisation fields appear only for a member without one."""
    organisation = await my_organisation(ctx)
    kinds = tuple(Option(kind_label(k), k) for k in KINDS)
    fields = [
        FormField(
            "description",
            _("What do you offer?") if side == Side.OFFER else _("What do you need?"),
            "long_text",
            initial=description,
            max_length=MAX_DESCRIPTION,
        ),
        FormField("kind", _("Kind"), "select", options=kinds, initial=kind or ""),
        FormField(
            "quantity",
            _("How much?"),
            required=False,
            initial=f"{number(amount)} {unit}".strip() if amount is not None else "",
            placeholder=_("200 masks"),
            max_length=80,
            hint=_("A number, then what is counted: 500 EUR, 12 people. Leave empty if it is not counted."),
        ),
    ]
    if organisation is None:
        orgs = (await ctx.repo.organisations())[:24]
        options = (
            *(Option(o.name[:75], str(o.id)) for o in orgs),
            Option(_("Another organisation (type its name below)"), NEW_ORG),
        )
        fields.append(FormField("org", _("On behalf of"), "select", options=options))
        fields.append(
            FormField(
                "new_org",
                _("New organisation"),
                required=False,
                max_length=100,
                hint=_("Only if yours is not in the list."),
            )
        )
    org_name = organisation.name if organisation else ""
    if need is not None:
        title = _("Help with need #{id}", id=need.id)
    elif side == Side.OFFER:
        title = _("Offer for {org}", org=org_name) if org_name else _("Offer a resource")
    else:
        title = _("Need of {org}", org=org_name) if org_name else _("Post a need")
    return Form(
        form_id=f"pledge.{side.value}",
        title=title[:24],
        fields=tuple(fields),
        submit_label=_("Offer") if side == Side.OFFER else _("Post"),
        state=str(need.id) if need is not None else "",
    )


def parse_quantity(text: str) -> tuple[float | None, str]:
    """``200 masks`` → (200, masks); ``€1,500`` → (1500, €); empty → (None, "")."""
    text = (text or "").strip()
    if not text:
        return None, ""
    match = QUANTITY_RE.match(text)
    if match is None:
        raise BadArgument(_("Start with a number, then what is counted, like 200 masks."))
    symbol, digits, unit = match.group(1) or "", match.group(2), match.group(3)
    digits = re.sub(r"[' \u00a0\u202f]", "", digits).rstrip(".,")
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        digits = digits.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in digits:
        head, _sep, tail = digits.rpartition(",")
        digits = digits.replace(",", "") if len(tail) == 3 else head.replace(",", "") + "." + tail
    elif digits.count(".") > 1 or (digits.count(".") == 1 and len(digits.rpartition(".")[2]) == 3 and len(digits) > 4):
        digits = digits.replace(".", "")
    try:
        amount = float(digits)
    except ValueError:
        raise BadArgument(_("Start with a number, then what is counted, like 200 masks.")) from None
    if amount <= 0 or amount >= 1e12:
        raise BadArgument(_("The amount must be more than 0 and below a trillion."))
    unit = " ".join((symbol + " " + unit).split()) if symbol else " ".join(unit.split())
    if len(unit) > MAX_UNIT:
        raise BadArgument(_("The unit is too long: at most {limit} characters.", limit=MAX_UNIT))
    return amount, unit


async def form_organisation(ctx: Ctx, args: Args, errors: dict[str, str]) -> Organisation | None:
    organisation = await my_organisation(ctx)
    if organisation is not None:
        return organisation
    picked = (args.org or "").strip()
    new_name = " ".join((args.new_org or "").split())
    if picked and picked != NEW_ORG:
        organisation = await ctx.repo.organisation(int(picked)) if picked.isdigit() else None
        if organisation is None:
            errors["org"] = _("That organisation is not in this coalition; choose one from the list.")
    elif not new_name:
        errors["org" if not picked else "new_org"] = _(
            "Choose your organisation, or type its name under “New organisation”."
        )
    elif len(new_name) > 100:
        errors["new_org"] = _("The name is too long: at most 100 characters.")
    else:
        organisation = await ctx.repo.organisation_named(new_name)
        if organisation is None:
            organisation = await ctx.repo.add_organisation(new_name)
            await ctx.repo.audit("org.added", member=ctx.me, subject=new_name, via="pledge")
    if organisation is not None:
        ctx.me.organisation_id = organisation.id
        await ctx.repo.save(ctx.me)
    return organisation


def for_need(amount: float | None, unit: str, need: PledgeItem, errors: dict[str, str]) -> str:
    """In a form opened from a need, a bare number counts what the need counts (``4`` → 4 seats);
    a number in another unit is refused on the field, before anything is written."""
    if amount is None or need.amount is None:
        return unit
    if not unit:
        return need.unit
    if not units_compatible(unit, need.unit):
        errors["quantity"] = _(
            "Need #{id} is counted in “{unit}”: give a number of {unit}, like “4”, or leave this empty.",
            id=need.id,
            unit=need.unit or "—",
        )
    return unit


async def submitted(ctx: Ctx, side: Side, args: Args, state: str) -> Reply:
    errors: dict[str, str] = {}
    target = await help_target(ctx, int(state)) if state.isdigit() else None
    try:
        amount, unit = parse_quantity(args.quantity or "")
    except BadArgument as error:
        errors["quantity"] = error.message
        amount, unit = None, ""
    if target is not None:
        unit = for_need(amount, unit, target, errors)
    kind = args.kind or guess_kind(unit)
    if kind not in KINDS:
        errors["kind"] = _("Choose a kind from the list.")
    organisation = await form_organisation(ctx, args, errors)
    if target is not None and organisation is not None and organisation.id == target.organisation_id:
        errors["org"] = _("This is your organisation's own need.")
    if errors:
        raise FormInvalid(errors)
    assert organisation is not None
    try:
        item, created = await create(
            ctx, side, organisation, kind, args.description, amount, unit, for_need=target.id if target else None
        )
    except BadArgument as error:
        raise FormInvalid({"description": error.message}) from None
    if target is None:
        return await announce(ctx, item, created)
    try:
        return await make_match(ctx, item, target, None, via_help=True)
    except UserError:  # the new offer is rolled back with the refused form: never name it
        raise FormInvalid(
            {"quantity": _("Need #{id} cannot take this offer as it is: check the amount and its unit.", id=target.id)}
        ) from None


@pledge.form("pledge.offer", params=FORM_PARAMS, roles=CONTRIBUTORS)
async def offer_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    return await submitted(ctx, Side.OFFER, args, state)


@pledge.form("pledge.need", params=FORM_PARAMS, roles=CONTRIBUTORS)
async def need_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    return await submitted(ctx, Side.NEED, args, state)


# "I can help" ------------------------------------------------------------------------------------


async def help_target(ctx: Ctx, need_id: int) -> PledgeItem:
    repo = pledge_repo(ctx)
    need = await repo.item(need_id)
    if need is None or need.side != Side.NEED.value:
        raise NotFound(_("There is no need #{id} in this coalition. `/pledge needs` lists the open ones.", id=need_id))
    t = (await service.tallies(repo, [need]))[need.id or 0]
    if not open_for_more(need, t):
        raise UserError(
            _(
                "Need #{id} is no longer open: {state}. Thank you all the same!",
                id=need.id,
                state=state_label(need.state),
            )
        )
    return need


@pledge.action(HELP_ACTION, roles=CONTRIBUTORS)
async def help_clicked(ctx: Ctx, value: str) -> Reply:
    if not value.isdigit():
        raise NotFound(_("That button is no longer active. `/pledge needs` lists the open needs."))
    target = await help_target(ctx, int(value))
    if ctx.me.organisation_id == target.organisation_id:
        raise UserError(_("Need #{id} is your own organisation's: others will offer help.", id=target.id))
    t = (await service.tallies(pledge_repo(ctx), [target]))[target.id or 0]
    return Reply.open_form(
        await item_form(ctx, Side.OFFER, kind=target.kind, amount=t.left, unit=target.unit, need=target)
    )
