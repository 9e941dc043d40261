"""Storage: the typed schema, one engine per process, migrations at start.

Import models from here (``from sayonce.store import Customer``); open the database with
:func:`open_store`.
"""

from sayonce.store.agents import (
    Agent,
    AuditEvent,
    MetaValue,
    PlaybookVersion,
    Role,
    Suggestion,
    SuggestionStatus,
)
from sayonce.store.base import Base, UTCDateTime, utcnow
from sayonce.store.commerce import (
    CampaignEvent,
    Case,
    LoyaltyEvent,
    Note,
    Order,
    SurveyResponse,
)
from sayonce.store.customers import Customer, Identity, IdentityKind, MergeRecord, NeverMerge
from sayonce.store.engine import Store, make_engine, parse_url
from sayonce.store.errors import (
    ConcurrentEditError,
    DatabaseURLError,
    DataDirError,
    MigrationError,
    NewerDatabaseError,
    StoreError,
)
from sayonce.store.interactions import (
    Channel,
    Embedding,
    Fact,
    Interaction,
    InteractionSummary,
    Speaker,
    Turn,
)
from sayonce.store.migrate import open_store, upgrade

__all__ = [
    "Agent",
    "AuditEvent",
    "Base",
    "CampaignEvent",
    "Case",
    "Channel",
    "ConcurrentEditError",
    "Customer",
    "DataDirError",
    "DatabaseURLError",
    "Embedding",
    "Fact",
    "Identity",
    "IdentityKind",
    "Interaction",
    "InteractionSummary",
    "LoyaltyEvent",
    "MergeRecord",
    "MetaValue",
    "MigrationError",
    "NeverMerge",
    "NewerDatabaseError",
    "Note",
    "Order",
    "PlaybookVersion",
    "Role",
    "Speaker",
    "Store",
    "StoreError",
    "Suggestion",
    "SuggestionStatus",
    "SurveyResponse",
    "Turn",
    "UTCDateTime",
    "make_engine",
    "open_store",
    "parse_url",
    "upgrade",
    "utcnow",
]
