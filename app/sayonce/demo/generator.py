"""Generate the demo database: plan, build each customer's history, bulk-load in batches.

Deterministic: the same seed, sizes and ``as_of`` day give the same rows. Each customer's
details come from their own random stream (seeded by the seed and their position), so a
customer does not change when the batch size does.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from sayonce import __version__
from sayonce.demo import engagement, orders, people, seeds
from sayonce.demo.contacts import Agents, History
from sayonce.demo.facts import FactWriter
from sayonce.demo.rows import TABLES, Ids, Rows
from sayonce.demo.storylines import library
from sayonce.demo.writer import BulkWriter
from sayonce.store import Store
from sayonce.store.bulk_load import relaxed_gc

Progress = Callable[[int, int], None]  # (interactions written, interactions planned)

DEFAULT_CUSTOMERS = 2_000
DEFAULT_INTERACTIONS = 50_000
DEFAULT_SEED = 7
BATCH_INTERACTIONS = 25_000
PROGRESS_STEP = 1_000  # interactions between progress reports
TWIN_SHARE = 0.04  # profiles that are a second profile of an earlier customer
HOUSEHOLD_SHARE = 0.03  # customers who share a home phone with someone in their household
HEAVY_SHARE, HEAVY_CAP = 0.01, 10_000  # C-000001 has the longest history, for scrolling


@dataclass(frozen=True, slots=True)
class DemoStats:
    """What was generated, and how long it took."""

    seed: int
    as_of: str
    customers: int = 0
    identities: int = 0
    interactions: int = 0
    turns: int = 0
    orders: int = 0
    survey_responses: int = 0
    loyalty_events: int = 0
    campaign_events: int = 0
    cases: int = 0
    notes: int = 0
    facts: int = 0
    agents: int = 0
    duplicates: int = 0
    households: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Interactions written per second."""
        return self.interactions / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class CustomerPlan:
    """What one customer will be: how many contacts, and whether they echo someone else."""

    budget: int
    twin_of: int | None = None
    twin_kind: str | None = None
    household: bool = False


def budgets(rng: random.Random, weights: list[float], total: int) -> list[int]:
    """Split ``total`` in proportion to ``weights`` exactly (largest remainders)."""
    scale = total / sum(weights) if weights else 0
    shares = [w * scale for w in weights]
    counts = [int(s) for s in shares]
    short = total - sum(counts)
    order = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], rng.random()))
    for i in order[:short]:
        counts[i] += 1
    return counts


def plan(rng: random.Random, customers: int, interactions: int) -> list[CustomerPlan]:
    """Each customer's budget of interactions, second profiles and households."""
    plans = [CustomerPlan(0) for _ in range(customers)]
    twins = sorted(rng.sample(range(1, customers), round((customers - 1) * TWIN_SHARE)))
    twin_set = set(twins)
    for i in twins:
        original = rng.randrange(i)
        while original in twin_set:
            original = rng.randrange(i)
        plans[i].twin_of, plans[i].twin_kind = original, rng.choice(people.DUPLICATE_KINDS)
    for i, p in enumerate(plans):
        p.household = i > 0 and i not in twin_set and rng.random() < HOUSEHOLD_SHARE
    heavy = min(HEAVY_CAP, int(interactions * HEAVY_SHARE)) if customers > 1 else interactions
    weights = [rng.lognormvariate(0, 0.8) * (0.1 if p.twin_of is not None else 1) for p in plans]
    for p, n in zip(plans[1:], budgets(rng, weights[1:], interactions - heavy), strict=True):
        p.budget = n
    plans[0].budget = heavy
    return plans


@dataclass(slots=True)
class Generator:
    """Builds customers one by one and hands full batches to the writer."""

    seed: int
    as_of: datetime
    writer: BulkWriter
    ids: Ids
    agents: Agents
    authors: list[int]
    rows: Rows = field(default_factory=Rows)
    taken: people.Taken = field(default_factory=people.Taken)
    originals: dict[int, people.Person] = field(default_factory=dict)
    homes: list[people.Person] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)
    households: list[list[str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def person(self, rng: random.Random, p: CustomerPlan) -> people.Person:
        """The person behind the next customer."""
        cast, customer_id = seeds.people(), self.ids.take("customers")
        if p.twin_of is not None and p.twin_kind is not None:
            original = self.originals[p.twin_of]
            twin = people.second_profile(
                rng, original, cast, customer_id, self.as_of, p.twin_kind, self.taken
            )
            self.duplicates.append(
                {"profile": twin.ref, "same_as": original.ref, "kind": p.twin_kind}
            )
            return twin
        person = people.make_person(rng, cast, customer_id, self.as_of)
        if p.household and self.homes:
            head = rng.choice(self.homes)
            people.join_household(rng, person, head, cast)
            self.households.append([head.ref, person.ref])
        people.add_identities(rng, person, cast, self.taken)
        if (
            not p.household
            and rng.random() < 0.25
            and people.add_home_phone(rng, person, self.taken)
        ):
            self.homes.append(person)
            del self.homes[:-500]  # households form among neighbours in the file, not all
        return person

    def customer(self, index: int, p: CustomerPlan, needed_later: bool) -> None:
        """Build one customer's profile and whole history into the current batch."""
        rng = random.Random(self.seed * 1_000_003 + index)
        shop = seeds.catalog()
        person = self.person(rng, p)
        if needed_later:
            self.originals[index] = person
        extra = p.budget // 25  # the busiest customers buy more, too
        bought = orders.make_orders(rng, person, shop.products, self.ids, self.as_of, extra)
        tier = self.tier(person, bought)
        history = History(
            rng, person, bought, self.ids, self.rows, self.agents, shop, library(), self.as_of
        )
        history.base.update(company=shop.company, tier=(tier or "bronze").title())
        history.base["points"] = f"{int(sum(o.total for o in bought)):,}"
        history.fill(p.budget)
        self.profile(rng, person, bought, history.last_contact or person.since)

    def profile(
        self,
        rng: random.Random,
        person: people.Person,
        bought: list[orders.OrderDraft],
        last_seen: datetime,
    ) -> None:
        """The customer row and everything about them that is not a contact."""
        cast, shop = seeds.people(), seeds.catalog()
        tier = self.tier(person, bought)
        value = orders.twelve_month_value(bought, self.as_of)
        potential = person.segment.potential * rng.uniform(0.5, 1.5) * max(500.0, 4000 - value)
        row = people.customer_row(person, tier, value, potential)
        row["updated_at"] = last_seen
        self.rows.add("customers", row)
        first_identity = self.ids.next.get("identities", 1)
        self.ids.next["identities"] = first_identity + len(person.identities)
        self.rows.tables["identities"].extend(people.identity_rows(person, first_identity))
        self.rows.tables["orders"].extend(orders.order_rows(person, bought))
        if tier is not None:
            events = orders.loyalty_rows(rng, person, bought, tier, cast.tiers, self.ids)
            self.rows.tables["loyalty_events"].extend(events)
        engagement.campaign_events(rng, person, shop.campaigns, self.ids, self.rows, self.as_of)
        engagement.nps_answers(rng, person, self.ids, self.rows, self.as_of)
        if rng.random() < 0.08:
            author = rng.choice(self.authors)
            engagement.agent_note(rng, person, cast.notes, author, self.ids, self.rows, self.as_of)

    def tier(self, person: people.Person, bought: list[orders.OrderDraft]) -> str | None:
        """The loyalty tier members have earned (``None`` for non-members)."""
        if not person.member:
            return None
        value = orders.twelve_month_value(bought, self.as_of)
        return orders.tier_for(value, seeds.people().tiers)

    @classmethod
    def start(cls, writer: BulkWriter, seed: int, as_of: datetime) -> Generator:
        """A generator writing through ``writer``, with the demo agents in place."""
        cast = seeds.people()
        agent_ids = writer.ensure_agents(cast.agents)
        staff = [
            (agent_ids[a["username"]], a["display_name"].split()[0])
            for a in cast.agents
            if a["role"] == "agent"
        ]
        authors = list(agent_ids.values())
        return cls(seed, as_of, writer, writer.first_ids(), Agents(staff), authors)

    def run(self, plans: list[CustomerPlan], batch: int, progress: Progress | None) -> None:
        """Build every planned customer, writing a batch whenever it is full."""
        needed = {p.twin_of for p in plans if p.twin_of is not None}
        total = sum(p.budget for p in plans)
        facts, reported = FactWriter(self.as_of), 0
        for index, p in enumerate(plans):
            self.customer(index, p, index in needed)
            if self.rows.count("interactions") >= batch:
                self.flush(facts)
            done = self.counts.get("interactions", 0) + self.rows.count("interactions")
            if progress and done - reported >= PROGRESS_STEP:
                progress(done, total)
                reported = done
        self.flush(facts)
        if progress:
            progress(self.counts["interactions"], total)

    def flush(self, facts: FactWriter) -> None:
        """Write the current batch and count what it held."""
        facts.add(self.rows, self.ids)
        for name, batch in self.rows.tables.items():
            self.counts[name] = self.counts.get(name, 0) + len(batch)
        self.writer.write(self.rows)
        self.rows.clear()

    def stats(self, seconds: float) -> DemoStats:
        """What was written, for the caller and the ``meta`` table."""
        counted = {name: self.counts.get(name, 0) for name in TABLES}
        return DemoStats(
            seed=self.seed,
            as_of=self.as_of.date().isoformat(),
            **counted,
            agents=len(self.authors),
            duplicates=len(self.duplicates),
            households=len(self.households),
            seconds=seconds,
        )


def generate(
    store: Store,
    customers: int = DEFAULT_CUSTOMERS,
    interactions: int = DEFAULT_INTERACTIONS,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    as_of: date | None = None,
    batch_interactions: int = BATCH_INTERACTIONS,
) -> DemoStats:
    """Fill an empty ``store`` with a believable, deterministic demo dataset.

    ``as_of`` is the demo's "today" (default: the current UTC date): every event happens
    before its midnight. Refuses (:class:`~sayonce.demo.writer.DemoRefused`) a database
    that already holds customers or interactions.
    """
    if customers < 1 or interactions < 0:
        raise ValueError("the demo needs at least one customer and no negative sizes")
    started = time.perf_counter()
    day = as_of or datetime.now(UTC).date()
    writer = BulkWriter(store)
    writer.check_empty()
    gen = Generator.start(writer, seed, datetime(day.year, day.month, day.day, tzinfo=UTC))
    meta: dict[str, object] = {
        "seed": seed,
        "customers": customers,
        "interactions": interactions,
        "as_of": day.isoformat(),
    }
    writer.record_meta({**meta, "status": "loading"})
    with relaxed_gc():
        gen.run(plan(random.Random(seed), customers, interactions), batch_interactions, progress)
    writer.finish()
    stats = gen.stats(time.perf_counter() - started)
    meta.update(
        status="complete",
        version=__version__,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duplicates=gen.duplicates,
        households=gen.households,
        stats=asdict(stats),
    )
    writer.record_meta(meta)
    return stats
