"""Eligibility: do a playbook action's rules hold for this customer, and why.

Each rule either holds (maybe with a reason worth showing the agent, e.g. "Gold tier") or
fails (with a reason worth showing a supervisor who asks why an action was not suggested).
An unknown caller fails every rule that needs customer data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sayonce.assist.customer_context import CustomerContext
from sayonce.assist.playbook import Rules
from sayonce.assist.reasons import Reason

NPS_DETRACTOR_MAX = 6
NPS_PROMOTER_MIN = 9


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an action fits this customer, the reasons it does, and the rule that failed."""

    ok: bool
    reasons: tuple[Reason, ...] = ()
    failed: str | None = None


# A rule check returns (holds, reason to show or None, why-not when it fails).
Check = tuple[bool, Reason | None, str | None]
RuleFn = Callable[[Rules, CustomerContext, datetime, Sequence[str]], Check]
PASS: Check = (True, None, None)


def evaluate(
    rules: Rules, ctx: CustomerContext, now: datetime, topics: Sequence[str] = ()
) -> Verdict:
    """Check every rule set in ``rules``; ``topics`` are the action's intents (for contacts)."""
    reasons: list[Reason] = []
    for name, check in RULES.items():
        if getattr(rules, name) is None or getattr(rules, name) == []:
            continue
        if not ctx.known and name not in DATA_FREE:
            return Verdict(False, tuple(reasons), "unknown caller")
        holds, reason, why_not = check(rules, ctx, now, topics)
        if not holds:
            return Verdict(False, tuple(reasons), why_not)
        if reason is not None:
            reasons.append(reason)
    return Verdict(True, tuple(reasons))


def _tier(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    wanted = {t.casefold() for t in rules.tier}
    if ctx.tier and ctx.tier.casefold() in wanted:
        return True, Reason(f"{ctx.tier.title()} tier", "profile"), None
    return False, None, f"tier is {ctx.tier or 'none'}, not {'/'.join(rules.tier)}"


def _segment(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    wanted = {s.casefold() for s in rules.segment}
    if ctx.segment and ctx.segment.casefold() in wanted:
        return True, Reason(f"segment: {ctx.segment}", "profile"), None
    return False, None, f"segment is {ctx.segment or 'none'}"


def _min_value(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    assert rules.min_value is not None
    if ctx.value_score >= rules.min_value:
        return True, Reason(f"high-value customer ({ctx.value_score:,.0f})", "profile"), None
    return False, None, f"value {ctx.value_score:,.0f} below {rules.min_value:,.0f}"


def _max_value(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    assert rules.max_value is not None
    if ctx.value_score <= rules.max_value:
        return PASS
    return False, None, f"value {ctx.value_score:,.0f} above {rules.max_value:,.0f}"


def _min_potential(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    assert rules.min_potential is not None
    if ctx.potential_score >= rules.min_potential:
        return True, Reason(f"untapped potential ({ctx.potential_score:,.0f})", "profile"), None
    return False, None, f"potential {ctx.potential_score:,.0f} below {rules.min_potential:,.0f}"


def _consent(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    if "personalization" in rules.consent and not ctx.personalization_allowed:
        return False, None, "no consent to personalization"
    if "marketing" in rules.consent and not (ctx.consent_marketing and not ctx.opted_out):
        return False, None, "no consent to marketing"
    return PASS


def _opted_out(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    if rules.opted_out == ctx.opted_out:
        return PASS
    return False, None, "opted out" if ctx.opted_out else "not opted out"


def _open_cases(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    assert rules.open_cases is not None
    count = len(ctx.open_cases)
    low, high = rules.open_cases.min, rules.open_cases.max
    if (low is not None and count < low) or (high is not None and count > high):
        return False, None, f"{count} open case{'s' * (count != 1)}"
    if count == 0:
        return PASS
    numbers = ", ".join(f"#{c.number}" for c in ctx.open_cases[:3])
    label = f"{count} open case{'s' * (count != 1)}: {ctx.open_cases[0].title}"
    return True, Reason(label, "history", evidence=f"case {numbers}"), None


def _recent_orders(rules: Rules, ctx: CustomerContext, now: datetime, _t: Sequence[str]) -> Check:
    wanted = rules.recent_orders
    assert wanted is not None
    since = now - timedelta(days=wanted.within_days)
    statuses = {s.casefold() for s in wanted.status}
    orders = [
        o
        for o in ctx.recent_orders
        if since <= o.placed_at <= now and (not statuses or o.status.casefold() in statuses)
    ]
    if len(orders) < wanted.min:
        return False, None, f"{len(orders)} matching orders in {wanted.within_days} days"
    latest = orders[0]
    days = (now - latest.placed_at).days
    text = f"order #{latest.number} ({latest.status}) {_ago(days)}"
    if len(orders) > 1:
        text = f"{len(orders)} orders in {wanted.within_days} days, latest #{latest.number}"
    return True, Reason(text, "history", evidence=f"order {latest.number}"), None


def _birthday(rules: Rules, ctx: CustomerContext, now: datetime, _t: Sequence[str]) -> Check:
    assert rules.birthday_within_days is not None
    if ctx.birthday is None:
        return False, None, "birthday unknown"
    days = days_to_birthday(ctx.birthday, now.date())
    if abs(days) > rules.birthday_within_days:
        return False, None, f"birthday is {abs(days)} days away"
    if days == 0:
        text = "birthday today"
    elif days > 0:
        text = f"birthday in {days} day{'s' * (days != 1)}"
    else:
        text = f"birthday {-days} day{'s' * (days != -1)} ago"
    return True, Reason(text, "profile"), None


def days_to_birthday(birthday: date, today: date) -> int:
    """Signed days from ``today`` to the nearest occurrence of ``birthday`` (past or next)."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(birthday.replace(year=year))
        except ValueError:  # 29 February in a common year: celebrate on the 28th
            candidates.append(date(year, 2, 28))
    return min(((c - today).days for c in candidates), key=abs)


def _nps_detractor(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    score = ctx.latest_nps[0] if ctx.latest_nps else None
    is_detractor = score is not None and score <= NPS_DETRACTOR_MAX
    if is_detractor != rules.nps_detractor:
        return False, None, f"latest NPS is {score if score is not None else 'unknown'}"
    if not is_detractor or ctx.latest_nps is None:
        return PASS
    when = ctx.latest_nps[1].date().isoformat()
    return True, Reason(f"NPS detractor ({score} on {when})", "history", evidence="survey"), None


def _nps_promoter(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    score = ctx.latest_nps[0] if ctx.latest_nps else None
    is_promoter = score is not None and score >= NPS_PROMOTER_MIN
    if is_promoter != rules.nps_promoter:
        return False, None, f"latest NPS is {score if score is not None else 'unknown'}"
    reason = Reason(f"NPS promoter ({score})", "history") if is_promoter else None
    return True, reason, None


def _tenure(rules: Rules, ctx: CustomerContext, now: datetime, _t: Sequence[str]) -> Check:
    assert rules.min_tenure_days is not None
    if ctx.customer_since is None:
        return False, None, "customer since unknown"
    days = (now - ctx.customer_since).days
    if days < rules.min_tenure_days:
        return False, None, f"customer for {days} days only"
    years = days // 365
    since = f"{years} year{'s' * (years != 1)}" if years else f"{days} days"
    return True, Reason(f"customer for {since}", "profile"), None


def _recent_contacts(
    rules: Rules, ctx: CustomerContext, now: datetime, topics: Sequence[str]
) -> Check:
    wanted = rules.recent_contacts
    assert wanted is not None
    about = set(wanted.about or topics)
    since = now - timedelta(days=wanted.within_days)
    hits = [c for c in ctx.recent_contacts if c.at >= since and (not about or c.intent in about)]
    if len(hits) < wanted.min:
        return False, None, f"{len(hits)} recent contacts about this"
    text = f"{len(hits)} contact{'s' * (len(hits) != 1)} about this in {wanted.within_days} days"
    evidence = "; ".join(f"{c.channel} {c.at.date().isoformat()}" for c in hits[:3])
    return True, Reason(text, "history", evidence=evidence), None


def _no_survey(rules: Rules, ctx: CustomerContext, now: datetime, _t: Sequence[str]) -> Check:
    assert rules.no_survey_within_days is not None
    last = ctx.last_survey_at
    if last is not None and last >= now - timedelta(days=rules.no_survey_within_days):
        return False, None, f"asked for feedback on {last.date().isoformat()}"
    return PASS


def _known(rules: Rules, ctx: CustomerContext, _now: datetime, _t: Sequence[str]) -> Check:
    if rules.known_customer == ctx.known:
        return PASS
    return False, None, "unknown caller" if not ctx.known else "known caller"


def _ago(days: int) -> str:
    return "today" if days <= 0 else f"{days} day{'s' * (days != 1)} ago"


RULES: dict[str, RuleFn] = {
    "known_customer": _known,
    "consent": _consent,
    "opted_out": _opted_out,
    "tier": _tier,
    "segment": _segment,
    "min_value": _min_value,
    "max_value": _max_value,
    "min_potential": _min_potential,
    "open_cases": _open_cases,
    "recent_orders": _recent_orders,
    "birthday_within_days": _birthday,
    "nps_detractor": _nps_detractor,
    "nps_promoter": _nps_promoter,
    "min_tenure_days": _tenure,
    "recent_contacts": _recent_contacts,
    "no_survey_within_days": _no_survey,
}
# Rules an unknown caller can still be judged on.
DATA_FREE = frozenset({"known_customer"})
