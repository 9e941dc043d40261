"""One customer's contacts: storylines, routine contacts and web visits, as rows.

Times follow the customer's clock (opening hours in their country, stored in UTC). A storyline
that would run past the demo's "now" stops there, so recent problems are still open: the case
is open and the agent's promises ("we'll call you back on Friday") are still pending.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sayonce.demo.orders import OrderDraft, insert_sorted, money, new_order, order_before
from sayonce.demo.people import Person
from sayonce.demo.rows import Ids, Rows
from sayonce.demo.seeds import Catalog
from sayonce.demo.storylines import Library, Step, Storyline
from sayonce.demo.texts import fill, render_turns, transcript, web_body

# Share of contact "picks" that start a storyline, or are a web visit; the rest are routine.
P_STORYLINE = 0.13
P_WEB = 0.35
UTC_OFFSET_HOURS = {"US": 6, "CA": 6, "GB": 0}  # opening hours are local; we store UTC
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
AGENT_CHANNELS = frozenset({"call", "chat"})


@dataclass(slots=True)
class Agents:
    """Agents who handle contacts: ``(id, first name)``."""

    staff: list[tuple[int, str]]

    def pick(self, rng: random.Random) -> tuple[int, str]:
        """Whoever picks up."""
        return rng.choice(self.staff)


@dataclass(slots=True)
class History:
    """Writes one customer's contacts into ``rows``."""

    rng: random.Random
    person: Person
    orders: list[OrderDraft]
    ids: Ids
    rows: Rows
    agents: Agents
    catalog: Catalog
    library: Library
    as_of: datetime
    base: dict[str, str] = field(default_factory=dict)
    had_birthday: bool = False
    last_contact: datetime | None = None

    def fill(self, budget: int) -> None:
        """Add exactly ``budget`` interactions."""
        rng, remaining = self.rng, budget
        recent = rng.random() < 0.3  # a third of customers have a problem in progress
        while remaining > 0:
            pick = rng.random()
            if pick < P_STORYLINE and remaining >= 3:
                story = self.pick(self.library.storylines)
                start = self.recent_time() if recent else self.random_time()
                recent = False
                remaining -= self.storyline(story, start, remaining)
            elif pick < P_STORYLINE + P_WEB and not self.opted_out_by(at := self.random_time()):
                remaining -= self.web_visit(at)
            else:
                story = self.pick(self.library.routine, most_steps=remaining)
                remaining -= self.storyline(story, self.random_time(), remaining)

    # -- when ---------------------------------------------------------------------------------

    def business_time(self, day: datetime, earliest: datetime | None = None) -> datetime:
        """A moment in opening hours on ``day`` (UTC), not before ``earliest``."""
        local_hour = self.rng.uniform(8, 20.5)
        offset = UTC_OFFSET_HOURS.get(self.person.city.country, 0)
        midnight = day.replace(hour=0, minute=0, second=0, microsecond=0)
        at = midnight + timedelta(hours=local_hour + offset)
        if earliest is not None and at <= earliest:
            at = earliest + timedelta(minutes=self.rng.uniform(2, 40))
        return at

    def random_time(self) -> datetime:
        """A moment in opening hours while they have been our customer."""
        span = (self.as_of - self.person.since).total_seconds()
        day = self.person.since + timedelta(seconds=self.rng.uniform(0, span))
        return self.within_history(self.business_time(day))

    def recent_time(self) -> datetime:
        """A moment in the last ten days (but after they became a customer)."""
        day = self.as_of - timedelta(days=self.rng.uniform(0.5, 10))
        return self.within_history(self.business_time(max(day, self.person.since)))

    def within_history(self, at: datetime) -> datetime:
        """``at`` moved into [since, now): opening hours can spill past either end."""
        if at >= self.as_of:
            at -= timedelta(days=1)
        if at <= self.person.since:
            at = self.person.since + timedelta(minutes=self.rng.uniform(1, 60))
        return min(at, self.as_of - timedelta(minutes=1))

    def opted_out_by(self, at: datetime) -> bool:
        """Whether the customer had opted out of personalization (no web tracking) by ``at``."""
        return self.person.opted_out_at is not None and at >= self.person.opted_out_at

    # -- what ---------------------------------------------------------------------------------

    def pick(self, stories: tuple[Storyline, ...], most_steps: int = 99) -> Storyline:
        """A storyline this customer can have (members-only ones for members, once a year)."""
        candidates = [
            s
            for s in stories
            if len(s.steps) <= most_steps
            and (not s.members_only or (self.person.member and self.birthday_ok(s)))
        ]
        return self.rng.choices(candidates, weights=[s.weight for s in candidates])[0]

    def birthday_ok(self, story: Storyline) -> bool:
        """A birthday treat needs a known birthday, consent, and happens once."""
        if story.id != "birthday":
            return True
        return (
            self.person.consent_personalization
            and not self.had_birthday
            and self.last_birthday() is not None
        )

    def last_birthday(self) -> datetime | None:
        """The customer's latest birthday before now, while they were a customer."""
        born = self.person.birthday
        if born is None:
            return None
        year = self.as_of.year
        at = self.as_of.replace(year=year, month=born.month, day=born.day, hour=9)
        if at >= self.as_of:
            at = at.replace(year=year - 1)
        return at if at > self.person.since else None

    # -- writing ------------------------------------------------------------------------------

    def order_for(self, at: datetime, within_days: int = 45) -> OrderDraft:
        """The order a contact at ``at`` is about; a new one a few days earlier if none."""
        order = order_before(self.orders, at - timedelta(days=2), within_days)
        if order is None:
            placed = max(self.person.since, at - timedelta(days=self.rng.uniform(3, 20)))
            products = self.catalog.products
            order = new_order(self.rng, self.person, products, self.ids, placed)
            insert_sorted(self.orders, order)
        return order

    def order_slots(self, order: OrderDraft) -> dict[str, str]:
        """Slots naming an order."""
        first = order.items[0][0]
        return {
            "order": order.number,
            "product": first.name,
            "sku": first.sku,
            "amount": money(self.person, order.total),
            "order_date": f"{order.placed_at:%B} {order.placed_at.day}",
        }

    def any_product_slots(self) -> dict[str, str]:
        """Slots for a contact about the catalog rather than an order."""
        product = self.rng.choice(self.catalog.products)
        return {"product": product.name, "sku": product.sku}

    def storyline(self, story: Storyline, start: datetime, budget: int) -> int:
        """Write the part of ``story`` that has happened by now; return how many contacts."""
        rng = self.rng
        if story.id == "birthday":
            start = self.last_birthday() or start
            self.had_birthday = True
        steps = [s for s in story.steps if s.p >= 1 or rng.random() < s.p]
        times: list[datetime] = []
        for step in steps:
            day = start + timedelta(days=step.day)
            times.append(self.business_time(day, times[-1] if times else None))
        happened = [(n, t) for n, t in enumerate(times) if t < self.as_of]
        # no web tracking once someone opted out of personalization
        tracked = [(n, t) for n, t in happened if not self.untracked(steps[n], t)]
        kept = tracked[:budget]
        if not kept:
            return 0
        complete = len(happened) == len(steps) and len(kept) == len(tracked)
        slots = dict(self.base)
        if story.needs_order:
            order = self.order_for(start)
            slots.update(self.order_slots(order))
        else:
            order = None
            slots.update(self.any_product_slots())
        owner_id, owner = self.agents.pick(rng)
        store = rng.choice(self.catalog.stores)
        slots.update(owner=owner, store=store, days=str(rng.choice((3, 5, 7))))
        slots.update(fee=money(self.person, rng.choice((12.0, 25.0))))
        slots.update(offer=rng.choice(self.library.offers))
        case_id = None
        if story.case:
            case_id = self.open_case(story, slots, kept[0][1], kept[-1][1], complete)
        last_contact = None
        for n, at in kept:
            step = steps[n]
            following = times[n + 1] if n + 1 < len(times) else at + timedelta(days=2)
            slots["next_day"] = WEEKDAYS[following.weekday()]
            handled_by = (owner_id, owner) if n == 0 or step.direction == "outbound" else None
            interaction_id = self.contact(step, at, slots, case_id, handled_by, story)
            if step.channel in AGENT_CHANNELS:
                last_contact = (interaction_id, at)
        if complete and order is not None and story.order_status:
            order.status = story.order_status
        if complete and last_contact and rng.random() < (0.45 if story.case else 0.15):
            self.csat(story, *last_contact)
        return len(kept)

    def untracked(self, step: Step, at: datetime) -> bool:
        """A web visit after the customer opted out is not recorded."""
        return step.channel == "web" and self.opted_out_by(at)

    def open_case(
        self,
        story: Storyline,
        slots: dict[str, str],
        opened: datetime,
        last: datetime,
        complete: bool,
    ) -> int:
        """A support case spanning the storyline's contacts (closed once the story ended)."""
        case_id = self.ids.take("cases")
        slots["case"] = f"CS-{100_000 + case_id}"
        closed = last + timedelta(hours=self.rng.uniform(1, 30)) if complete else None
        if closed is not None and closed >= self.as_of:
            closed = None
        status = "closed" if closed else self.rng.choice(("open", "open", "pending"))
        urgent = (story.steps[0].sentiment or 0) <= -0.5
        self.rows.add(
            "cases",
            {
                "id": case_id,
                "customer_id": self.person.id,
                "number": slots["case"],
                "title": fill(self.rng, story.title, slots),
                "status": status,
                "priority": "high" if urgent else "normal",
                "opened_at": opened,
                "closed_at": closed,
                "source": "demo",
                "external_id": f"K{case_id}",
            },
        )
        return case_id

    def web_visit(self, at: datetime) -> int:
        """Write one browsing session on the web site or in the app."""
        rng, pages = self.rng, self.catalog.web_pages
        if rng.random() < 0.3:
            events = [f"app: {e}" for e in rng.sample(self.catalog.app_events, rng.randint(1, 4))]
        else:
            events = rng.sample(pages["browse"], rng.randint(1, 5))
            if rng.random() < 0.4:
                events += rng.sample(pages["account"], rng.randint(1, 2))
            if rng.random() < 0.15:
                events.append(rng.choice(pages["help"]))
        slots = self.any_product_slots()
        latest = order_before(self.orders, at, 3650)
        slots["order"] = latest.number if latest else "recent"
        subject, body = web_body([e.format_map(slots) for e in events])
        ended = at + timedelta(seconds=len(events) * rng.uniform(20, 120))
        self.interaction(at, "web", "inbound", None, None, subject, body, ended, None, None)
        return 1

    def contact(
        self,
        step: Step,
        at: datetime,
        slots: dict[str, str],
        case_id: int | None,
        handled_by: tuple[int, str] | None,
        story: Storyline | None,
    ) -> int:
        """Write one contact of ``step`` at ``at``; return the interaction id."""
        rng = self.rng
        agent_id = None
        if step.channel in AGENT_CHANNELS or (
            step.direction == "outbound" and step.channel in ("email", "social")
        ):
            agent_id, slots["agent"] = handled_by or self.agents.pick(rng)
        else:
            slots.setdefault("agent", self.agents.pick(rng)[1])
        subject = fill(rng, step.subject, slots) if step.subject else None
        if step.turns:
            turns = render_turns(rng, step.turns, slots)
            body, ended = transcript(turns), None
            if subject is None and story is not None and story.title:
                subject = fill(rng, story.title, slots)
        elif step.events:
            turns = []
            subject, body = web_body([fill(rng, (e,), slots) for e in step.events])
            ended = at + timedelta(seconds=len(step.events) * rng.uniform(20, 120))
        else:
            turns, body = [], fill(rng, step.body, slots)
            ended = at + timedelta(minutes=rng.uniform(10, 40)) if step.channel == "store" else None
        interaction_id = self.interaction(
            at, step.channel, step.direction, agent_id, case_id, subject, body, ended, step, slots
        )
        if turns:
            self.add_turns(interaction_id, at, step.channel, turns)
        return interaction_id

    def interaction(
        self,
        at: datetime,
        channel: str,
        direction: str,
        agent_id: int | None,
        case_id: int | None,
        subject: str | None,
        body: str,
        ended: datetime | None,
        step: Step | None,
        slots: dict[str, str] | None,
    ) -> int:
        """Queue one ``interactions`` row."""
        interaction_id = self.ids.take("interactions")
        sentiment = None
        if step is not None and step.sentiment is not None:
            sentiment = round(max(-1.0, min(1.0, step.sentiment + self.rng.gauss(0, 0.15))), 2)
        summary = None
        if step is not None and step.summary and slots is not None:
            summary = fill(self.rng, step.summary, slots)
        self.rows.add(
            "interactions",
            {
                "id": interaction_id,
                "customer_id": self.person.id,
                "channel": channel,
                "direction": direction,
                "started_at": at,
                "ended_at": ended,
                "agent_id": agent_id,
                "case_id": case_id,
                "subject": subject,
                "body": body,
                "source": "demo",
                "external_id": f"I{interaction_id}",
                "intent": step.intent if step else None,
                "sentiment": sentiment,
                "disposition": step.disposition if step else None,
                "summary": summary,
                "created_at": at,
            },
        )
        if self.last_contact is None or at > self.last_contact:
            self.last_contact = at
        return interaction_id

    def add_turns(
        self, interaction_id: int, at: datetime, channel: str, turns: list[tuple[str, str]]
    ) -> None:
        """Queue the turns of a call or chat, timed as people speak or type."""
        rng, offset = self.rng, 0
        for seq, (speaker, text) in enumerate(turns):
            self.rows.add(
                "turns",
                {
                    "id": self.ids.take("turns"),
                    "interaction_id": interaction_id,
                    "seq": seq,
                    "speaker": speaker,
                    "text": text,
                    "offset_ms": offset,
                    "at": at + timedelta(milliseconds=offset),
                },
            )
            if channel == "call":
                offset += len(text) * 65 + int(rng.uniform(600, 3000))
            else:
                offset += len(text) * 180 + int(rng.uniform(4000, 30000))
        interaction = self.rows.tables["interactions"][-1]
        interaction["ended_at"] = at + timedelta(milliseconds=offset + 5000)

    def csat(self, story: Storyline, interaction_id: int, at: datetime) -> None:
        """A CSAT answer about the storyline's last conversation, a day later."""
        responded = at + timedelta(hours=self.rng.uniform(2, 48))
        if responded >= self.as_of:
            return
        low, high = story.csat
        score = self.rng.randint(low, high)
        band = "low" if score <= 2 else "mid" if score == 3 else "high"
        comments = self.library.comments.get(band) or ("",)
        comment = self.rng.choice(comments) if self.rng.random() < 0.6 else None
        survey_id = self.ids.take("survey_responses")
        self.rows.add(
            "survey_responses",
            {
                "id": survey_id,
                "customer_id": self.person.id,
                "interaction_id": interaction_id,
                "kind": "csat",
                "score": score,
                "comment": comment,
                "responded_at": responded,
                "source": "demo",
                "external_id": f"S{survey_id}",
            },
        )
