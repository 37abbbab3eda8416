"""SQLAlchemy 2 typed tables: the one description of the schema that migrations follow.

One module per area (base.py: the declarative base and column types every table shares; catalog, usage, access,
conversations, bills, arena, evals). Importing this package defines every table on Base.metadata, which Alembic
compares against; callers import the tables from here.
"""

from .access import AuditEntry, TeamMember
from .arena import ArenaBattle
from .base import NAMING, Base, Money, Price, UTCDateTime, utcnow
from .bills import BillingCost, BillingFetch, BillingGeneration, BillingUsage
from .catalog import AIModel, ModelPrice, ProviderEndpoint
from .conversations import AttachmentBlob, Conversation, Message, MessageAttachment
from .evals import EvalCase, EvalCell, EvalFile, EvalRun, EvalSet, EvalWorker
from .usage import ROLLUP_SUMS, Budget, BudgetReservation, UsageDaily, UsageMonthly, UsageRecord, UsageRollup

__all__ = [
    "NAMING", "ROLLUP_SUMS", "AIModel", "ArenaBattle", "AttachmentBlob", "AuditEntry", "Base", "BillingCost",
    "BillingFetch", "BillingGeneration", "BillingUsage", "Budget", "BudgetReservation", "Conversation", "EvalCase",
    "EvalCell", "EvalFile", "EvalRun", "EvalSet", "EvalWorker", "Message", "MessageAttachment", "ModelPrice", "Money",
    "Price", "ProviderEndpoint", "TeamMember", "UTCDateTime", "UsageDaily", "UsageMonthly", "UsageRecord",
    "UsageRollup", "utcnow",
]
