"""The interchange records (one JSON object per line, told apart by ``type``), validated.

Types: ``customer``, ``interaction``, ``order``, ``survey``, ``loyalty``, ``campaign``,
``case``. Every record has an ``id`` (unique per ``source``); every record but a customer names
its customer in ``customer``. The format, with examples, is in docs/interchange.md.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sayonce.identity import normalize
from sayonce.identity.resolve import CustomerRef, Key
from sayonce.intake.fields import (
    Day,
    ExternalId,
    ShortText,
    SourceName,
    Timestamp,
    as_text_id,
    blank_to_none,
    problems,
    split_list,
    type_name,
)
from sayonce.store.customers import IdentityKind

ChannelName = Literal["call", "chat", "email", "sms", "social", "web", "store", "survey"]
SpeakerName = Literal["customer", "agent", "bot", "system"]
MAX_LIST = 20  # identities of one kind on one customer
MAX_TURNS = 5_000
MAX_TEXT = 100_000  # characters of an email body or note
MAX_TURN_TEXT = 20_000

IdentityList = Annotated[list[str], BeforeValidator(split_list), Field(max_length=MAX_LIST)]
OptionalText = Annotated[str | None, BeforeValidator(blank_to_none)]


def _region(info: ValidationInfo) -> str:
    return str((info.context or {}).get("region") or normalize.DEFAULT_REGION)


def _normalized(kind: IdentityKind, raw: str, info: ValidationInfo) -> str:
    try:
        return _normalize_cached(kind, raw, _region(info))
    except normalize.InvalidIdentity as exc:
        raise ValueError(str(exc)) from None


@functools.lru_cache(maxsize=65_536)
def _normalize_cached(kind: IdentityKind, raw: str, region: str) -> str:
    # The same callers and addresses come back again and again in an export.
    if kind is IdentityKind.PHONE:
        return normalize.phone(raw, region)
    return normalize.identity(kind.value, raw)


_FIELD_KINDS = {
    "phone": IdentityKind.PHONE,
    "phones": IdentityKind.PHONE,
    "email": IdentityKind.EMAIL,
    "emails": IdentityKind.EMAIL,
    "handle": IdentityKind.SOCIAL,
    "handles": IdentityKind.SOCIAL,
    "account": IdentityKind.ACCOUNT,
    "accounts": IdentityKind.ACCOUNT,
    "loyalty": IdentityKind.LOYALTY,
    "loyalty_ids": IdentityKind.LOYALTY,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Identities(_Strict):
    """Singular and plural identity fields, normalized as they are validated."""

    phone: OptionalText = Field(default=None, max_length=64)
    email: OptionalText = Field(default=None, max_length=320)
    handle: OptionalText = Field(default=None, max_length=320)
    account: OptionalText = Field(default=None, max_length=128)
    loyalty: OptionalText = Field(default=None, max_length=128)

    @field_validator("phone", "email", "handle", "account", "loyalty", mode="after")
    @classmethod
    def _one(cls, value: str | None, info: ValidationInfo) -> str | None:
        assert info.field_name is not None
        return None if value is None else _normalized(_FIELD_KINDS[info.field_name], value, info)

    def identity_keys(self) -> list[Key]:
        """The normalized identities, in field order, without repeats."""
        keys: dict[Key, None] = {}
        fields = self.__dict__
        for name, kind in _FIELD_KINDS.items():
            value = fields.get(name)
            if isinstance(value, list):
                keys.update(((kind.value, v), None) for v in value)
            elif value:
                keys[(kind.value, value)] = None
        return list(keys)


class CustomerRefIn(_Identities):
    """How a record names its customer: external id, ref, phone, email, handle, ids or name."""

    id: ExternalId | None = None
    source: SourceName | None = None
    ref: OptionalText = Field(default=None, pattern=r"^[Cc]-\d{1,12}(-\d+)?$", max_length=32)
    name: ShortText = None

    @model_validator(mode="after")
    def _names_someone(self) -> CustomerRefIn:
        named = self.phone or self.email or self.handle or self.account or self.loyalty
        if not (self.id or self.ref or self.name or named):
            raise ValueError("names nobody: give id, ref, phone, email, handle, account or name")
        return self

    def to_ref(self, source: str) -> CustomerRef:
        """The resolver's view: the external id (in ``source`` unless given) first."""
        keys = self.identity_keys()
        if self.id:
            keys.insert(0, external_key(self.source or source, self.id))
        ref = self.ref.upper() if self.ref else None
        return CustomerRef(ref=ref, keys=tuple(keys), name=self.name)


def external_key(source: str, external_id: str) -> Key:
    """The ``external`` identity of a record id in a source: ``SOURCE:ID`` normalized."""
    return (IdentityKind.EXTERNAL.value, normalize.plain_id(f"{source}:{external_id}"))


def _customer_field(value: Any) -> Any:
    # "customer": "17" is the customer with external id 17 in the record's own source.
    value = as_text_id(value)
    return {"id": value} if isinstance(value, str) else value


class _Record(_Strict):
    id: ExternalId
    source: SourceName | None = None


class _Owned(_Record):
    customer: Annotated[CustomerRefIn, BeforeValidator(_customer_field)]


class CustomerRecord(_Record, _Identities):
    """A person from the CRM (or any source that knows people)."""

    type: Literal["customer"]
    name: ShortText = None
    given_name: OptionalText = Field(default=None, max_length=100)
    family_name: OptionalText = Field(default=None, max_length=100)
    birthday: Day | None = None
    language: OptionalText = Field(default=None, max_length=16)
    city: OptionalText = Field(default=None, max_length=100)
    postcode: OptionalText = Field(default=None, max_length=20)
    country: OptionalText = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    tier: OptionalText = Field(default=None, max_length=16)
    segment: OptionalText = Field(default=None, max_length=32)
    preferred_channel: ChannelName | None = None
    consent_personalization: bool | None = None
    consent_marketing: bool | None = None
    value_score: float | None = Field(default=None, allow_inf_nan=False)
    potential_score: float | None = Field(default=None, allow_inf_nan=False)
    phones: IdentityList = []
    emails: IdentityList = []
    handles: IdentityList = []
    accounts: IdentityList = []
    loyalty_ids: IdentityList = []

    @field_validator("phones", "emails", "handles", "accounts", "loyalty_ids", mode="after")
    @classmethod
    def _many(cls, values: list[str], info: ValidationInfo) -> list[str]:
        assert info.field_name is not None
        kind = _FIELD_KINDS[info.field_name]
        return [_normalized(kind, v, info) for v in values]


class TurnIn(_Strict):
    """One utterance or message of a call or chat."""

    speaker: SpeakerName
    text: str = Field(max_length=MAX_TURN_TEXT)
    at: Timestamp | None = None
    offset_ms: int | None = Field(default=None, ge=0, le=7 * 86_400_000)


class InteractionRecord(_Owned):
    """A contact on any channel: either ``text`` (email, sms, note) or ``turns`` (call, chat)."""

    type: Literal["interaction"]
    channel: ChannelName
    direction: Literal["inbound", "outbound"] = "inbound"
    started_at: Timestamp
    ended_at: Timestamp | None = None
    agent: OptionalText = Field(default=None, max_length=64)
    subject: OptionalText = Field(default=None, max_length=500)
    text: OptionalText = Field(default=None, max_length=MAX_TEXT)
    turns: list[TurnIn] = Field(default=[], max_length=MAX_TURNS)
    case: ExternalId | None = None
    disposition: OptionalText = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _consistent(self) -> InteractionRecord:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        if self.text and self.turns:
            raise ValueError("give either text or turns, not both")
        return self


class OrderItemIn(_Strict):
    """One line of an order."""

    sku: OptionalText = Field(default=None, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    qty: int = Field(default=1, ge=1, le=100_000)
    price: Decimal = Field(default=Decimal("0"), max_digits=12, decimal_places=2)


class OrderRecord(_Owned):
    """A purchase from the order system."""

    type: Literal["order"]
    number: OptionalText = Field(default=None, max_length=64)
    placed_at: Timestamp
    status: str = Field(default="placed", min_length=1, max_length=24)
    total: Decimal = Field(default=Decimal("0"), max_digits=12, decimal_places=2)
    currency: str = Field(default="USD", pattern=r"^[A-Za-z]{3}$")
    items: list[OrderItemIn] = Field(default=[], max_length=500)


_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


class SurveyRecord(_Owned):
    """An NPS, CSAT or CES answer, perhaps about one interaction (its id in the same source)."""

    type: Literal["survey"]
    kind: Literal["nps", "csat", "ces"]
    score: int
    comment: OptionalText = Field(default=None, max_length=5_000)
    responded_at: Timestamp
    interaction: ExternalId | None = None

    @model_validator(mode="after")
    def _on_scale(self) -> SurveyRecord:
        low, high = _SCALES[self.kind]
        if not low <= self.score <= high:
            raise ValueError(f"score {self.score} is off the {self.kind} scale ({low}–{high})")
        return self


class LoyaltyRecord(_Owned):
    """Loyalty programme activity: join, tier change, points earned or redeemed."""

    type: Literal["loyalty"]
    at: Timestamp
    kind: str = Field(min_length=1, max_length=24)
    tier: OptionalText = Field(default=None, max_length=16)
    points: int = Field(default=0, ge=-1_000_000_000, le=1_000_000_000)
    description: OptionalText = Field(default=None, max_length=500)


class CampaignRecord(_Owned):
    """Marketing engagement with one campaign."""

    type: Literal["campaign"]
    at: Timestamp
    campaign: str = Field(min_length=1, max_length=128)
    kind: Literal["sent", "delivered", "opened", "clicked", "converted", "unsubscribed", "bounced"]
    channel: ChannelName | None = None


class CaseRecord(_Owned):
    """A support case (ticket) that interactions can belong to."""

    type: Literal["case"]
    number: OptionalText = Field(default=None, max_length=64)
    title: str = Field(min_length=1, max_length=500)
    status: Literal["open", "pending", "closed"] = "open"
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    opened_at: Timestamp
    closed_at: Timestamp | None = None

    @model_validator(mode="after")
    def _closed_after_opened(self) -> CaseRecord:
        if self.closed_at is not None and self.closed_at < self.opened_at:
            raise ValueError("closed_at is before opened_at")
        return self


OwnedRecord = (
    InteractionRecord | OrderRecord | SurveyRecord | LoyaltyRecord | CampaignRecord | CaseRecord
)
Record = CustomerRecord | OwnedRecord
MODELS: dict[str, type[BaseModel]] = {
    "customer": CustomerRecord,
    "interaction": InteractionRecord,
    "order": OrderRecord,
    "survey": SurveyRecord,
    "loyalty": LoyaltyRecord,
    "campaign": CampaignRecord,
    "case": CaseRecord,
}


class RecordError(ValueError):
    """A record that is not valid: every ``(field, message)`` found."""

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        """Keep the issues; ``str()`` is the first, with a count of the rest."""
        self.issues = issues
        field, message = issues[0]
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"field {field!r}: {message}{more}" if field else f"{message}{more}")


def parse_record(data: Any, context: dict[str, Any] | None = None) -> Record:
    """Validate one decoded record; raise :class:`RecordError` naming each bad field."""
    if not isinstance(data, dict):
        raise RecordError([("", f"expected a JSON object (a record), got {type_name(data)}")])
    kind = data.get("type")
    model = MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        expected = ", ".join(MODELS)
        problem = "required" if kind is None else f"unknown type {str(kind)[:40]!r}"
        raise RecordError([("type", f"{problem}; expected one of {expected}")])
    try:
        return model.model_validate(data, context=context)  # type: ignore[return-value]
    except ValidationError as exc:
        raise RecordError(problems(exc)) from None
