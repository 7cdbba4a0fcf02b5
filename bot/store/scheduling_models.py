"""Check-in schedules and the windows they open. Schedules live here, not in APScheduler's store:
a restart rebuilds every job from these rows, and ``next_fire_at`` says what is due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class CheckinSchedule(SQLModel, table=True):
    __table_args__ = (Index("ix_checkinschedule_due", "active", "next_fire_at"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=10, description="weekly, daily or cron")
    cron: str = Field(max_length=120, description="the crontab expression the schedule runs on")
    label: str = Field(max_length=120, description="as the organiser said it, e.g. 'weekly mon 09:00'")
    tz: str = Field(max_length=64)
    window_hours: float | None = Field(default=None, description="None: until the next prompt, at most 24 h")
    active: bool = True
    next_fire_at: datetime | None = None
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    cancelled_at: datetime | None = None


class CheckinWindow(SQLModel, table=True):
    """One prompt's window: opened at the scheduled time, reminded at 80%, digested at its close."""

    __table_args__ = (UniqueConstraint("schedule_id", "opened_at", name="uq_checkinwindow_fire"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    schedule_id: int = Field(foreign_key="checkinschedule.id", index=True, ondelete="CASCADE")
    opened_at: datetime = Field(description="the scheduled fire time")
    closes_at: datetime
    remind_at: datetime
    prompted_at: datetime | None = Field(
        default=None, description="when the prompt was queued (late if after opened_at)"
    )
    skipped: bool = Field(default=False, description="missed during downtime beyond the grace period")
    reminded_at: datetime | None = None
    digested_at: datetime | None = None
