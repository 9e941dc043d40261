"""Shared pieces of the assist tests: the real MiniLM encoder, playbook indexes, event makers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sayonce.assist.playbook import Playbook, load_default_playbook, load_playbook
from sayonce.assist.relevance import ActionIndex
from sayonce.config import resources_dir
from sayonce.intake.events import ActionTaken, CallEnded, CallStarted, Utterance
from sayonce.nlp.embeddings import Encoder, get_encoder
from sayonce.store import Customer, Identity, Order, Store

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
MINIMAL = resources_dir() / "playbooks" / "examples" / "minimal.yaml"


@pytest.fixture(scope="session")
def minilm() -> Encoder:
    """The real local MiniLM model, loaded once for the whole run."""
    return get_encoder()


@pytest.fixture(scope="session")
def default_playbook() -> Playbook:
    """The shipped retail/subscription playbook."""
    return load_default_playbook()


@pytest.fixture(scope="session")
def default_index(default_playbook: Playbook, minilm: Encoder) -> ActionIndex:
    """The default playbook's action index (built once)."""
    return ActionIndex(default_playbook, minilm)


@pytest.fixture(scope="session")
def minimal_playbook() -> Playbook:
    """The minimal playbook from the issue."""
    return load_playbook(MINIMAL)


@pytest.fixture(scope="session")
def minimal_index(minimal_playbook: Playbook, minilm: Encoder) -> ActionIndex:
    """The minimal playbook's action index."""
    return ActionIndex(minimal_playbook, minilm)


def started(call_id: str = "call-1", at: datetime = START, **extra: Any) -> CallStarted:
    """A call_started event."""
    return CallStarted.model_validate(
        {"call_id": call_id, "from": "+441134960000", "at": at, **extra}
    )


def said(text: str, speaker: str = "customer", call_id: str = "call-1") -> Utterance:
    """A final utterance."""
    return Utterance.model_validate({"call_id": call_id, "speaker": speaker, "text": text})


def action(action_id: str, step_id: str | None = None, call_id: str = "call-1") -> ActionTaken:
    """An action (or step) the desktop reports."""
    return ActionTaken(call_id=call_id, action_id=action_id, step_id=step_id)


def ended(call_id: str = "call-1", at: datetime = START + timedelta(minutes=4)) -> CallEnded:
    """A call_ended event."""
    return CallEnded(call_id=call_id, at=at)


def add_customer(
    store: Store,
    ref: str = "C-000001",
    phone: str = "+441134960000",
    **fields: Any,
) -> int:
    """A customer with a phone identity and, unless told otherwise, a recent order."""
    orders = fields.pop("orders", [10])
    with store.write() as session:
        customer = Customer(ref=ref, display_name="Alex Doe", **fields)
        customer.identities.append(Identity(kind="phone", value=phone, raw=phone))
        session.add(customer)
        session.flush()
        for n, days in enumerate(orders):
            session.add(
                Order(
                    customer_id=customer.id,
                    number=f"A-{1000 + n}",
                    placed_at=START - timedelta(days=days),
                    status="delivered",
                    external_id=f"{ref}-{n}",
                )
            )
        return customer.id


def birthday_in(days: int) -> date:
    """A birthday ``days`` after the test calls' day."""
    return (START + timedelta(days=days)).date().replace(year=1984)


def replay_dir() -> Path:
    """The labelled replays."""
    return Path(__file__).parent / "data" / "replays"
