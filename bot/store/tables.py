"""Imports every table module so ``SQLModel.metadata`` knows all tables (Alembic, tests).

A workflow with tables of its own adds its module here.
"""

from bot.store import (
    decision_models,  # noqa: F401
    flag_models,  # noqa: F401
    impact_models,  # noqa: F401
    intake_models,  # noqa: F401
    meeting_models,  # noqa: F401
    membership_models,  # noqa: F401
    models,  # noqa: F401
    outbox_models,  # noqa: F401
    pledge_models,  # noqa: F401
    scheduling_models,  # noqa: F401
    slack_models,  # noqa: F401
    unity_models,  # noqa: F401
)
