"""Cue phrases that say what a sentence does in a service conversation.

A problem statement, an action the agent took, a promise, something the customer already
tried, a preference, a sign of how it ended. Summaries and "already told us" facts both
read sentences through these, so they agree with each other. Plain regular expressions:
they run on every utterance of a live call.
"""

from __future__ import annotations

import re

_I = r"(?:i|we)"
PROBLEM = re.compile(
    r"\b(?:broken|broke|damaged|cracked|faulty|defective|missing|wrong|late|delayed|lost|stolen|"
    r"locked(?: out)?|blocked|error|crash(?:es|ed|ing)?|down|outage|not working|doesn't work|"
    r"does not work|won't (?:turn on|work|load|connect|charge)|stopped working|keeps? "
    r"(?:dropping|crashing|failing|freezing)|charged (?:twice|two times|me twice)|overcharged|"
    r"double charged|haven't (?:received|got(?:ten)?|had)|hasn't (?:arrived|come|been)|"
    r"never (?:arrived|came|received|got)|still (?:no|not|haven't|hasn't|waiting)|"
    r"no (?:refund|internet|signal|connection)|can't (?:log|sign|get|access|pay|find|use)|"
    r"cannot (?:log|sign|get|access|pay|find|use)|refund|return|cancel|complain|complaint|"
    r"problem|issue|fault|dispute|fee|penalty|overdue|frustrat\w*|disappointed|unacceptable)\b",
    re.IGNORECASE,
)
REQUEST = re.compile(
    r"\b(?:(?:i'm|i am) (?:calling|writing|contacting you|chatting) (?:about|because|regarding|"
    r"to)|i (?:want|need|would like|'d like) to|i want|i need|can you|could you|please|why|"
    r"where is|when will|how (?:do|can) i)\b",
    re.IGNORECASE,
)
ACTION = re.compile(
    rf"\b(?:{_I}(?:'ve| have)?(?: just| now| already| also)?(?: gone ahead and)?|"
    r"i went ahead and|(?:it|that|this|your \w+)(?: has| have)? been)\s+"
    r"(?:issued|processed|reset|sent|resent|escalated|updated|refunded|applied|cancell?ed|"
    r"reshipped|re-?sent|credited|unlocked|blocked|froze|frozen|ordered|arranged|booked|"
    r"scheduled|waived|added|changed|raised|opened|logged|replaced|removed|reversed|confirmed|"
    r"approved|emailed|set up|noted|submitted|filed|created|dispatched|shipped|restored|"
    r"fixed|corrected|adjusted|released|paid|moved|transferred|requested|reported|"
    r"re-?activated|activated|verified|upgraded|extended|given|put)\b",
    re.IGNORECASE,
)
PROMISE = re.compile(
    rf"\b(?:{_I}(?:'ll| will| are going to|'re going to)|someone will|a (?:technician|courier|"
    r"specialist|supervisor|manager|colleague) will)\s+(?:\w+\s+)?"
    r"(?:call|ring|phone|email|text|send|follow|check back|get back|contact|update|refund|"
    r"credit|process|ship|deliver|arrange|make sure|let you know|reach out|visit|come|"
    r"replace|waive|release|pay|post|review|escalate|monitor|keep|collect|pick up|dispatch|"
    r"install|repair)\b"
    r"|\byou(?:'ll| will| should)\s+(?:\w+\s+)?(?:receive|get|see|hear|have)\b"
    r"|\b(?:it|they|this|which|that|the \w+)(?:'ll| will) (?:be (?:dispatched|delivered|sent|"
    r"shipped|refunded|processed|released|collected|credited|fixed|repaired|restored|back)|"
    r"arrive|reach|appear|show up|ship|come|collect)\b"
    r"|\b(?:within|in)\s+(?:\d+|a few|one|two|three|four|five|seven|ten)(?:\s+to\s+\w+)?\s+"
    r"(?:business |working )?(?:days?|hours?|weeks?)\b",
    re.IGNORECASE,
)
# In-call fillers are not promises: "I'll just check", "I'll put you on hold".
NOT_A_PROMISE = re.compile(
    r"\b(?:just check|check that for you|put you on hold|one moment|bear with me|right now|"
    r"let me|transfer you|look into that now|i'll be honest)\b",
    re.IGNORECASE,
)
NEXT_STEP = re.compile(
    r"\b(?:you(?:'ll| will)? need to|please (?:send|bring|call|reply|keep|check|reply|upload|"
    r"take|fill|return|ship|print|visit|go)|you can (?:bring|drop|track|return|check|call)|"
    r"make sure you|next step)\b",
    re.IGNORECASE,
)
TRIED = re.compile(
    rf"\b{_I}(?:'ve| have)?(?: already| also| even)?\s+(?:tried|restarted|rebooted|reset|"
    r"unplugged|reinstalled|re-?installed|cleared|updated|checked|called|emailed|contacted|"
    r"spoken|talked|sent|returned|turned|switched|changed|waited|visited|been to|gone to|"
    r"followed)\b"
    r"|\balready\b",
    re.IGNORECASE,
)
TRIED_NEEDS = re.compile(r"\balready\b|\btried\b|\b(?:i|we)(?:'ve| have)\b", re.IGNORECASE)
PREFERENCE = re.compile(
    r"\b(?:i (?:prefer|'d prefer|would prefer|'d rather|would rather)|"
    r"(?:please )?(?:don't|do not|never) (?:call|email|text|contact|phone) me|"
    r"(?:please )?(?:only )?(?:call|email|text|contact) me (?:on|at|by|in|after|before|"
    r"only|instead|rather)|rather than (?:calling|emailing|texting|a call)|"
    r"best (?:time|way) to (?:reach|contact|call) me|i work (?:nights|days|shifts)|"
    r"i(?:'m| am) (?:only )?available|i(?:'m| am) (?:deaf|hard of hearing|blind)|"
    r"(?:by|via) (?:email|text|sms|post|letter) (?:please|only|instead)|"
    r"in (?:spanish|french|german|polish|portuguese|italian|english)(?: please)?)\b",
    re.IGNORECASE,
)
RESOLVED = re.compile(
    r"\b(?:(?:that's|that is|it's|it is|you're|you are|we're|we are|all) "
    r"(?:sorted|fixed|done|resolved|all set|set|working)|all set|works now|working now|"
    r"(?:is|has been|have been) (?:resolved|fixed|sorted|restored|paid|approved|released)|"
    r"problem solved|that solves|that works|that's great|perfect|"
    r"(?:thanks|thank you)(?: so much| very much)?(?: for (?:your|all your) help)?)\b",
    re.IGNORECASE,
)
ESCALATED = re.compile(r"\b(?:escalat\w+|specialist team|supervisor|manager will)\b", re.I)
UNRESOLVED = re.compile(
    r"\b(?:still (?:not|doesn't|isn't|won't|no)|not happy|unacceptable|not good enough|"
    r"i'll (?:go|take my business) elsewhere|waste of time|ridiculous)\b",
    re.IGNORECASE,
)
SMALL_TALK = re.compile(
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks?|thank you|ok|okay|sure|yes|"
    r"yeah|no|bye|goodbye|great|perfect|alright|right|one moment|hold on|you're welcome)\b",
    re.IGNORECASE,
)


def problem_score(text: str) -> float:
    """How much ``text`` reads like a statement of the customer's problem or request."""
    hits = len(PROBLEM.findall(text))
    asks = len(REQUEST.findall(text))
    words = len(text.split())
    if words < 4 or (SMALL_TALK.match(text) and words < 7):
        return 0.0
    return 2.0 * hits + 1.0 * asks + min(words, 25) / 25


def is_action(text: str) -> bool:
    """The agent says something was done ("I've issued the refund")."""
    return ACTION.search(text) is not None and "?" not in text


def is_promise(text: str) -> bool:
    """A commitment about later ("I'll call you Friday", "refund within 5 business days")."""
    return PROMISE.search(text) is not None and NOT_A_PROMISE.search(text) is None


# Promises that only confirm in writing what was already done do not leave anything open.
CONFIRMATION_ONLY = re.compile(
    r"\b(?:confirm\w*|details|summary|receipt|copy)\b.{0,40}$|\bconfirmation\b", re.IGNORECASE
)


def is_open_promise(text: str) -> bool:
    """A promise that leaves something owed (not just "you'll get a confirmation email")."""
    return is_promise(text) and CONFIRMATION_ONLY.search(text) is None


def is_next_step(text: str) -> bool:
    """Something the customer has to do next."""
    return NEXT_STEP.search(text) is not None


def is_tried(text: str) -> bool:
    """The customer already tried or did something ("I already restarted the router")."""
    return TRIED.search(text) is not None and TRIED_NEEDS.search(text) is not None


def is_preference(text: str) -> bool:
    """A contact or service preference ("please email me instead")."""
    return PREFERENCE.search(text) is not None


def outcome_signal(text: str) -> str | None:
    """``escalated``, ``unresolved`` or ``resolved`` when ``text`` says how things stand."""
    if ESCALATED.search(text):
        return "escalated"
    if UNRESOLVED.search(text):
        return "unresolved"
    if RESOLVED.search(text):
        return "resolved"
    return None
