"""Unity statement data of one coalition. Every query filters on the coalition, like CoalitionRepo."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.db import savepoint
from bot.store.models import Member, Organisation
from bot.store.scoped import Scoped
from bot.store.unity_models import UnityComment, UnitySignature, UnitySignRequest, UnityVersion


class UnityRepo(Scoped[UnityVersion | UnityComment | UnitySignature | UnitySignRequest]):
    async def organisation_names(self) -> dict[int, str]:
        """The coalition's organisations' names, by id (for signatory lists)."""
        query = select(Organisation).where(Organisation.coalition_id == self.coalition_id)
        return {o.id: o.name for o in (await self.session.exec(query)).all() if o.id is not None}

    async def unsigned_members(self, version_id: int) -> Sequence[Member]:
        """Members of an organisation that has not signed the version, in the order they joined."""
        signed = {s.organisation_id for s in await self.signatures(version_id)}
        query = select(Member).where(Member.coalition_id == self.coalition_id).order_by(col(Member.id))
        return [
            m
            for m in (await self.session.exec(query)).all()
            if m.id is not None and m.organisation_id is not None and m.organisation_id not in signed
        ]

    # versions ----------------------------------------------------------------------------------

    async def latest(self) -> UnityVersion | None:
        query = (
            select(UnityVersion)
            .where(UnityVersion.coalition_id == self.coalition_id)
            .order_by(col(UnityVersion.number).desc())
        )
        return (await self.session.exec(query)).first()

    async def published(self) -> UnityVersion | None:
        """The statement in force: the newest published version."""
        query = (
            select(UnityVersion)
            .where(UnityVersion.coalition_id == self.coalition_id, col(UnityVersion.published_at).is_not(None))
            .order_by(col(UnityVersion.number).desc())
        )
        return (await self.session.exec(query)).first()

    async def version(self, number: int) -> UnityVersion | None:
        query = select(UnityVersion).where(
            UnityVersion.coalition_id == self.coalition_id, UnityVersion.number == number
        )
        return (await self.session.exec(query)).first()

    async def version_by_id(self, version_id: int) -> UnityVersion | None:
        row = await self.session.get(UnityVersion, version_id)
        return row if row is not None and row.coalition_id == self.coalition_id else None

    async def published_before(self, number: int) -> Sequence[UnityVersion]:
        query = select(UnityVersion).where(
            UnityVersion.coalition_id == self.coalition_id,
            col(UnityVersion.published_at).is_not(None),
            UnityVersion.number < number,
        )
        return (await self.session.exec(query.order_by(col(UnityVersion.number)))).all()

    # comments ----------------------------------------------------------------------------------

    async def comments(self, version_id: int) -> Sequence[UnityComment]:
        query = select(UnityComment).where(
            UnityComment.coalition_id == self.coalition_id, UnityComment.version_id == version_id
        )
        return (await self.session.exec(query.order_by(col(UnityComment.id)))).all()

    # signatures --------------------------------------------------------------------------------

    async def signatures(self, version_id: int) -> Sequence[UnitySignature]:
        """Signatures in force on a version, oldest first."""
        query = select(UnitySignature).where(
            UnitySignature.coalition_id == self.coalition_id,
            UnitySignature.version_id == version_id,
            UnitySignature.active == True,  # noqa: E712  (SQL comparison)
        )
        return (await self.session.exec(query.order_by(col(UnitySignature.signed_at), col(UnitySignature.id)))).all()

    async def sign(self, signature: UnitySignature) -> bool:
        """Add a signature; False (and nothing added) if the organisation signed the version at the
        same moment, in another request."""
        signature.coalition_id = self.coalition_id
        try:
            async with savepoint(self.session):
                self.session.add(signature)
        except IntegrityError:
            return False
        return True

    async def signature_of(self, version_id: int, organisation_id: int) -> UnitySignature | None:
        query = select(UnitySignature).where(
            UnitySignature.coalition_id == self.coalition_id,
            UnitySignature.version_id == version_id,
            UnitySignature.organisation_id == organisation_id,
            UnitySignature.active == True,  # noqa: E712
        )
        return (await self.session.exec(query)).first()

    async def history(self, version_id: int) -> Sequence[UnitySignature]:
        """Every signature ever made on a version, withdrawn ones included."""
        query = select(UnitySignature).where(
            UnitySignature.coalition_id == self.coalition_id, UnitySignature.version_id == version_id
        )
        return (await self.session.exec(query.order_by(col(UnitySignature.id)))).all()

    # sign-on requests from the public page ------------------------------------------------------

    async def add_request(self, request: UnitySignRequest) -> UnitySignRequest:
        if request.coalition_id != self.coalition_id:
            raise ValueError("a sign-on request of another coalition")
        self.session.add(request)
        await self.session.flush()
        return request

    async def request_with_token(self, token: str) -> UnitySignRequest | None:
        """The request made with this one-time form token, if one was."""
        query = select(UnitySignRequest).where(
            UnitySignRequest.coalition_id == self.coalition_id, UnitySignRequest.form_token == token
        )
        return (await self.session.exec(query)).first()

    async def request(self, request_id: int) -> UnitySignRequest | None:
        query = select(UnitySignRequest).where(
            UnitySignRequest.coalition_id == self.coalition_id, UnitySignRequest.id == request_id
        )
        return (await self.session.exec(query)).first()

    async def requests(self, *, state: str | None = "pending") -> Sequence[UnitySignRequest]:
        query = select(UnitySignRequest).where(UnitySignRequest.coalition_id == self.coalition_id)
        if state is not None:
            query = query.where(UnitySignRequest.state == state)
        return (await self.session.exec(query.order_by(col(UnitySignRequest.id)))).all()

    async def forget_member(self, member_id: int, placeholder: str = "") -> None:
        """Erase a member's name from their signatures, comments and drafts; their comments' text
        becomes ``placeholder``; the organisation's signature and the statement's text stay."""
        await self.session.exec(
            update(UnitySignature)  # type: ignore[call-overload]
            .where(col(UnitySignature.coalition_id) == self.coalition_id, col(UnitySignature.member_id) == member_id)
            .values(signer_name="", signer_title="")
        )
        await self.session.exec(
            update(UnityComment)  # type: ignore[call-overload]
            .where(col(UnityComment.coalition_id) == self.coalition_id, col(UnityComment.member_id) == member_id)
            .values(author_name="", text=placeholder)
        )
        await self.session.exec(
            update(UnityVersion)  # type: ignore[call-overload]
            .where(col(UnityVersion.coalition_id) == self.coalition_id, col(UnityVersion.author_id) == member_id)
            .values(author_name="")
        )


async def open_deadlines(session: AsyncSession) -> Sequence[UnityVersion]:
    """Published versions, in every coalition, whose sign-on deadline is set and not yet processed."""
    query = select(UnityVersion).where(
        col(UnityVersion.published_at).is_not(None),
        col(UnityVersion.deadline).is_not(None),
        col(UnityVersion.closed_at).is_(None),
    )
    return (await session.exec(query.order_by(col(UnityVersion.id)))).all()


async def any_version(session: AsyncSession, version_id: int) -> UnityVersion | None:
    """A version of any coalition, by id (the deadline job's item)."""
    return await session.get(UnityVersion, version_id)
