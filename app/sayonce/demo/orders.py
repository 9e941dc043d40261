"""Demo orders and loyalty activity: baskets, totals, statuses, points and tiers."""

from __future__ import annotations

import bisect
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sayonce.demo.people import Person
from sayonce.demo.rows import Ids, Row
from sayonce.demo.seeds import Product

CURRENCIES = {"GB": ("GBP", "£"), "CA": ("CAD", "CA$")}
REFUNDED = frozenset({"refunded", "returned", "cancelled"})


@dataclass(slots=True)
class OrderDraft:
    """One order, kept in Python until its customer's history is complete."""

    id: int
    number: str
    placed_at: datetime
    items: list[tuple[Product, int]]
    status: str

    @property
    def total(self) -> float:
        """Sum of the lines."""
        return round(sum(p.price * qty for p, qty in self.items), 2)


def money(person: Person, amount: float) -> str:
    """An amount as the customer would read it (``$129.00``, ``£49.99``)."""
    symbol = CURRENCIES.get(person.city.country, ("USD", "$"))[1]
    return f"{symbol}{amount:,.2f}"


def new_order(
    rng: random.Random, person: Person, products: tuple[Product, ...], ids: Ids, at: datetime
) -> OrderDraft:
    """An order placed at ``at``; bigger baskets for higher-value segments."""
    lines = 1 + (rng.random() < 0.25 * person.segment.value) + (rng.random() < 0.08)
    items = [(p, 1 if rng.random() < 0.9 else 2) for p in rng.sample(products, lines)]
    order_id = ids.take("orders")
    return OrderDraft(order_id, f"A-{10_000 + order_id}", at, items, "delivered")


def make_orders(
    rng: random.Random,
    person: Person,
    products: tuple[Product, ...],
    ids: Ids,
    as_of: datetime,
    extra: int = 0,
) -> list[OrderDraft]:
    """The person's orders over their time with us, oldest first."""
    years = (as_of - person.since).days / 365
    count = int(person.segment.orders * years * rng.uniform(0.4, 1.6) + rng.random()) + extra
    span = (as_of - person.since).total_seconds()
    times = sorted(person.since + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    orders = [new_order(rng, person, products, ids, at) for at in times]
    for order in orders:
        age = (as_of - order.placed_at).days
        order.status = "placed" if age < 1 else "shipped" if age < 4 else "delivered"
        if rng.random() < 0.03:
            order.status = "cancelled"
    return orders


def order_before(orders: list[OrderDraft], at: datetime, within_days: int) -> OrderDraft | None:
    """The latest order placed before ``at`` and not more than ``within_days`` earlier."""
    index = bisect.bisect_left([o.placed_at for o in orders], at)
    if index == 0:
        return None
    order = orders[index - 1]
    return order if at - order.placed_at <= timedelta(days=within_days) else None


def insert_sorted(orders: list[OrderDraft], order: OrderDraft) -> None:
    """Add ``order`` keeping the list in time order."""
    bisect.insort(orders, order, key=lambda o: o.placed_at)


def order_rows(person: Person, orders: list[OrderDraft]) -> list[Row]:
    """The ``orders`` rows of a person."""
    currency = CURRENCIES.get(person.city.country, ("USD", "$"))[0]
    return [
        {
            "id": o.id,
            "customer_id": person.id,
            "number": o.number,
            "placed_at": o.placed_at,
            "status": o.status,
            "total": Decimal(f"{o.total:.2f}"),
            "currency": currency,
            "items": json.dumps(
                [{"sku": p.sku, "name": p.name, "qty": q, "price": p.price} for p, q in o.items]
            ),
            "source": "demo",
            "external_id": f"O{o.id}",
        }
        for o in orders
    ]


def twelve_month_value(orders: list[OrderDraft], as_of: datetime) -> float:
    """Revenue from the last 365 days (refunded and cancelled orders do not count)."""
    start = as_of - timedelta(days=365)
    return sum(o.total for o in orders if o.placed_at >= start and o.status not in REFUNDED)


def tier_for(value: float, tiers: tuple[tuple[str, float], ...]) -> str:
    """The loyalty tier a 12-month spend earns."""
    return [name for name, floor in tiers if value >= floor][-1]


def loyalty_rows(
    rng: random.Random,
    person: Person,
    orders: list[OrderDraft],
    tier: str,
    tiers: tuple[tuple[str, float], ...],
    ids: Ids,
) -> list[Row]:
    """A member's joining, points earned per order, tier rises and redemptions."""
    joined = person.since + timedelta(hours=rng.uniform(0, 72))
    events: list[tuple[datetime, str, str | None, int, str]] = [
        (joined, "joined", tiers[0][0], 0, "Joined Northwind Rewards")
    ]
    ladder = [(name, floor) for name, floor in tiers[1:]]
    reached = [name for name, _ in tiers].index(tier)
    spent = 0.0
    for order in orders:
        if order.placed_at < joined or order.status == "cancelled":
            continue
        points = int(order.total)
        events.append((order.placed_at, "earned", None, points, f"Points for order {order.number}"))
        spent += order.total
        while ladder and reached and spent >= ladder[0][1]:
            name, _ = ladder.pop(0)
            reached -= 1
            events.append((order.placed_at, "tier_up", name, 0, f"Moved up to {name.title()}"))
    balance = sum(e[3] for e in events)
    if balance > 1500 and rng.random() < 0.5:
        at = orders[-1].placed_at + timedelta(hours=1)
        events.append((at, "redeemed", None, -500, "Redeemed 500 points at checkout"))
    return [
        {
            "id": (event_id := ids.take("loyalty_events")),
            "customer_id": person.id,
            "at": at,
            "kind": kind,
            "tier": event_tier,
            "points": points,
            "description": text,
            "source": "demo",
            "external_id": f"L{event_id}",
        }
        for at, kind, event_tier, points, text in events
    ]
