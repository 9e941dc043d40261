"""Semantic search in one customer's history: what was meant, not only the words typed.

**Granularity: sentences.** Each interaction is cut into its subject and the sentences of its
turns (the ``Speaker: text`` lines of a call or chat, or one block of text for an email or an
SMS), and every sentence gets its own vector. So "my payment got refused" finds the turn that
says "my card was declined", and the hit shows that sentence, not the first line of the call.
Fragments of fewer than :data:`MIN_WORDS` words ("OK.", "Hi!") are left out; a very long text
becomes at most :data:`MAX_CHUNKS` runs of neighbouring sentences.

**Storage: one row per interaction** in ``embeddings``: ``vector`` is the interaction's sentence
vectors back to back (float16), ``chunks`` how many there are, ``model`` the encoder's name and
``text_hash`` a fingerprint of the text and of the cutting (:data:`CUTTING`). One row per
interaction keeps every existing rule about derived data: an import that changes an
interaction, an erasure, a scrubbed mention and a deleted interaction all delete the row. The
hash is the backstop for anything else: a row whose hash does not match its interaction's
current text is never used, and is recomputed.

**Lazily, then reused.** A search first computes the vectors its customer lacks for the current
model (in batches, with ``encode_bulk``), stores them in one short write transaction per batch
(the text is checked again inside it, under a row lock, so vectors of text that changed or was
erased meanwhile are never written), and later searches encode only the query.
:func:`embed_missing` does the same for a whole database (``sayonce embed``);
:func:`stale_interactions` and :func:`embed_interactions` let the desktop index one customer in
steps, with progress (:mod:`sayonce.history.semantic_host`).

Only stored text is embedded, and it is redacted before it is stored; the query is redacted
before it is encoded, and is never logged. Reading a customer's history needs
``VIEW_PROFILE``, like the timeline's full-text search; as there, opening the profile is what
is audited (the command line audits its search as a profile view).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from sayonce.history.fulltext import interaction_match, search_params
from sayonce.history.items import typed
from sayonce.nlp.conversation import as_turns, split_sentences
from sayonce.privacy.redact import redact
from sayonce.store import Customer, Embedding, Interaction, Store
from sayonce.store.interactions import EMBEDDING_DTYPE
from sayonce.trust.mentions import ERASED
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# Bump when chunks_of() cuts differently: every stored vector then counts as stale.
CUTTING = "sentences-v1"
MIN_WORDS = 2
MAX_WORDS = 64  # a sentence longer than this is cut into runs of MAX_WORDS words
MAX_CHUNKS = 48
LIMIT = 20
# Below this cosine similarity a sentence is not about the query (all-MiniLM-L6-v2; chosen on
# the paraphrase set of tests/test_history_semantic.py, see docs/nlp.md).
MIN_SCORE = 0.3
# Hybrid rank: an interaction that also contains every word of the query (full-text, as the
# timeline's search box) ranks as if its best sentence scored this much more.
FULLTEXT_BOOST = 0.15
BATCH = 256  # interactions encoded and written together
SNIPPET_CHARS = 240
_WORD = re.compile(r"\w+", re.UNICODE)


class SentenceEncoder(Protocol):
    """What semantic search needs (``sayonce.nlp.embeddings.Encoder`` fits)."""

    name: str

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """L2-normalized float32 rows, one per text."""
        ...


@dataclass(frozen=True, slots=True)
class Chunk:
    """One embedded piece of an interaction: a sentence (or run of them), redacted."""

    text: str
    speaker: str | None  # customer, agent ... for a turn; None for a subject or plain text


@dataclass(frozen=True, slots=True)
class SemanticHit:
    """An interaction that matches the query, and the sentence that matches best."""

    interaction_id: int
    customer_id: int
    started_at: datetime
    channel: str
    subject: str | None
    snippet: str  # the best-matching sentence of the stored (redacted) text
    speaker: str | None
    score: float  # cosine similarity of the query and the snippet (-1 .. 1)
    fulltext: bool = False  # the interaction also contains every word of the query

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat()
        out["score"] = round(self.score, 4)
        return out


@dataclass(frozen=True, slots=True)
class SemanticResults:
    """The hits, best first, and what the search had to do to find them."""

    hits: list[SemanticHit]
    searched: int  # interactions of the customer that have something to search
    embedded: int  # of which vectors were computed by this search (0 once warm)


@dataclass(frozen=True, slots=True)
class BackfillReport:
    """What :func:`embed_missing` did."""

    scanned: int
    embedded: int
    sentences: int
    seconds: float

    @property
    def rate(self) -> float:
        """Interactions embedded per second."""
        return self.embedded / self.seconds if self.seconds > 0 else 0.0


# --- cutting --------------------------------------------------------------------------------


def _meaningful(text: str) -> bool:
    return len(_WORD.findall(text.replace(ERASED, " "))) >= MIN_WORDS


def _pieces(sentence: str) -> list[str]:
    words = sentence.split()
    return [" ".join(words[i : i + MAX_WORDS]) for i in range(0, len(words), MAX_WORDS)]


def _runs(chunks: list[Chunk], room: int) -> list[Chunk]:
    """At most ``room`` chunks: neighbouring sentences joined into runs of equal length."""
    if len(chunks) <= room:
        return chunks
    size = math.ceil(len(chunks) / room)
    out = []
    for start in range(0, len(chunks), size):
        group = chunks[start : start + size]
        speakers = {c.speaker for c in group}
        out.append(
            Chunk(" ".join(c.text for c in group), speakers.pop() if len(speakers) == 1 else None)
        )
    return out


def chunks_of(subject: str | None, body: str) -> list[Chunk]:
    """The pieces of an interaction that get a vector each, in storage order."""
    head = [Chunk(" ".join(subject.split()), None)] if subject and _meaningful(subject) else []
    sentences: list[Chunk] = []
    for turn in as_turns(body or "", speaker=""):
        for start, end in split_sentences(turn.text):
            for piece in _pieces(turn.text[start:end]):
                if _meaningful(piece):
                    sentences.append(Chunk(piece, turn.speaker or None))
    return head + _runs(sentences, MAX_CHUNKS - len(head))


def text_hash(subject: str | None, body: str) -> str:
    """Fingerprint of an interaction's text and of how it is cut (``embeddings.text_hash``)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (CUTTING, subject or "", body or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


# --- computing and storing vectors ----------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    interaction_id: int
    customer_id: int
    text_hash: str
    chunks: list[Chunk]


def _encode(encoder: SentenceEncoder, texts: list[str], bulk: bool) -> npt.NDArray[np.float32]:
    import numpy as np

    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    bulk_encode = getattr(encoder, "encode_bulk", None) if bulk else None
    vectors = bulk_encode(texts) if bulk_encode is not None else encoder.encode(texts)
    return np.asarray(vectors, dtype=np.float32)


def _compute(
    encoder: SentenceEncoder, pending: list[_Pending], bulk: bool
) -> list[tuple[_Pending, npt.NDArray[np.float32]]]:
    """The vectors of every pending interaction's chunks (one encode for the whole batch)."""
    import numpy as np

    texts = [chunk.text for item in pending for chunk in item.chunks]
    vectors = _encode(encoder, texts, bulk)
    out, start = [], 0
    for item in pending:
        end = start + len(item.chunks)
        out.append((item, vectors[start:end] if end > start else np.zeros((0, 0), np.float32)))
        start = end
    return out


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(Embedding)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(Embedding)
    columns = ("customer_id", "model", "vector", "chunks", "text_hash")
    stmt = stmt.on_conflict_do_update(
        index_elements=[Embedding.interaction_id],
        set_={name: getattr(stmt.excluded, name) for name in columns},
    )
    session.execute(stmt, rows)


def _store(
    store: Store, model: str, computed: list[tuple[_Pending, npt.NDArray[np.float32]]]
) -> int:
    """Write the vectors in one short transaction; skip any whose text changed meanwhile."""
    if not computed:
        return 0
    ids = [item.interaction_id for item, _ in computed]
    with store.write() as session:
        # The row lock (PostgreSQL; SQLite's write transaction is exclusive anyway) means an
        # erasure either finished before this read, so the hash differs and nothing is
        # written, or waits for this commit and then deletes what was written.
        current = {
            row.id: text_hash(row.subject, row.body)
            for row in session.execute(
                select(Interaction.id, Interaction.subject, Interaction.body)
                .where(Interaction.id.in_(ids))
                .with_for_update()
            )
        }
        rows = [
            {
                "interaction_id": item.interaction_id,
                "customer_id": item.customer_id,
                "model": model,
                "vector": vectors.astype(EMBEDDING_DTYPE).tobytes(),
                "chunks": len(item.chunks),
                "text_hash": item.text_hash,
            }
            for item, vectors in computed
            if current.get(item.interaction_id) == item.text_hash
        ]
        if rows:
            _upsert(session, rows)
    return len(rows)


def _batches(items: Sequence[_Pending], size: int) -> Iterable[list[_Pending]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _as_matrix(vector: bytes, chunks: int) -> npt.NDArray[np.float32] | None:
    """Stored vectors as float32 rows, or ``None`` if the bytes do not fit ``chunks``."""
    import numpy as np

    if chunks == 0:
        return np.zeros((0, 0), dtype=np.float32)
    values = np.frombuffer(vector, dtype=EMBEDDING_DTYPE)
    if values.size == 0 or values.size % chunks:
        return None
    return values.reshape(chunks, -1).astype(np.float32)


# --- search ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    row: Any  # id, customer_id, started_at, channel, subject, body
    matrix: npt.NDArray[np.float32] | None


def _load(session: Session, cluster: Sequence[int], model: str) -> list[_Candidate]:
    stmt = (
        select(
            Interaction.id,
            Interaction.customer_id,
            Interaction.started_at,
            Interaction.channel,
            Interaction.subject,
            Interaction.body,
            Embedding.text_hash,
            Embedding.chunks,
            Embedding.vector,
        )
        .join(Customer, Customer.id == Interaction.customer_id)
        .outerjoin(
            Embedding, and_(Embedding.interaction_id == Interaction.id, Embedding.model == model)
        )
        .where(Interaction.customer_id.in_(list(cluster)), Customer.erased_at.is_(None))
    )
    out = []
    for row in session.execute(stmt):
        fresh = row.text_hash is not None and row.text_hash == text_hash(row.subject, row.body)
        out.append(_Candidate(row, _as_matrix(row.vector, row.chunks) if fresh else None))
    return out


def _fulltext_ids(session: Session, cluster: Sequence[int], query: str) -> set[int]:
    params = search_params(query)
    if params is None:
        return set()
    stmt = select(Interaction.id).where(
        Interaction.customer_id.in_(list(cluster)),
        interaction_match(session.get_bind().dialect.name),
    )
    return set(session.scalars(stmt, params))


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rstrip() + "…"


def _fill(store: Store, encoder: SentenceEncoder, candidates: list[_Candidate], bulk: bool) -> int:
    """Compute, store and attach the vectors the candidates lack; return how many."""
    missing = [c for c in candidates if c.matrix is None]
    by_id = {c.row.id: c for c in missing}
    pending = [
        _Pending(c.row.id, c.row.customer_id, text_hash(c.row.subject, c.row.body), chunks)
        for c in missing
        for chunks in [chunks_of(c.row.subject, c.row.body)]
    ]
    for batch in _batches(pending, BATCH):
        computed = _compute(encoder, batch, bulk)
        _store(store, encoder.name, computed)
        for item, vectors in computed:
            by_id[item.interaction_id].matrix = vectors
    return len(missing)


def semantic_search(
    store: Store,
    principal: Principal,
    cluster: Sequence[int],
    query: str,
    encoder: SentenceEncoder,
    limit: int = LIMIT,
    *,
    min_score: float = MIN_SCORE,
    hybrid: bool = True,
    bulk: bool = True,
    fill: bool = True,
) -> SemanticResults:
    """Interactions of ``cluster`` (a customer's merge cluster) closest in meaning to ``query``.

    Ranked by the best-matching sentence's cosine similarity (plus :data:`FULLTEXT_BOOST` for
    interactions that also contain every word, when ``hybrid``); hits under ``min_score``
    are left out. Vectors the customer lacks are computed first (``bulk``: on every core);
    with ``fill`` false only interactions that already have vectors are searched (the
    desktop's first results while a customer is still being indexed).
    """
    import numpy as np

    require(principal, Permission.VIEW_PROFILE)
    cleaned = redact(typed(query)).strip()
    if not cleaned or not _WORD.search(cleaned) or not cluster or limit <= 0:
        return SemanticResults([], 0, 0)
    with store.read() as session:
        candidates = _load(session, cluster, encoder.name)
        matched = _fulltext_ids(session, cluster, cleaned) if hybrid else set()
    embedded = _fill(store, encoder, candidates, bulk) if fill else 0
    usable = [c for c in candidates if c.matrix is not None and len(c.matrix)]
    if not usable:
        return SemanticResults([], 0, embedded)
    q = np.asarray(encoder.encode([cleaned]), dtype=np.float32)[0]
    matrices = [c.matrix for c in usable if c.matrix is not None]
    starts = np.cumsum([0] + [len(m) for m in matrices[:-1]])
    scores = np.concatenate(matrices) @ q
    best = np.maximum.reduceat(scores, starts)
    boost = np.array([FULLTEXT_BOOST if c.row.id in matched else 0.0 for c in usable])
    rank = best + boost
    order = [int(i) for i in np.argsort(-rank, kind="stable") if rank[i] >= min_score][:limit]
    hits = []
    for i in order:
        row = usable[i].row
        chunks = chunks_of(row.subject, row.body)
        segment = scores[starts[i] : starts[i] + len(matrices[i])]
        top = int(np.argmax(segment))
        chunk = (
            chunks[top] if len(chunks) == len(segment) else Chunk(" ".join(row.body.split()), None)
        )
        hits.append(
            SemanticHit(
                interaction_id=row.id,
                customer_id=row.customer_id,
                started_at=row.started_at,
                channel=row.channel,
                subject=row.subject,
                snippet=_snippet(chunk.text),
                speaker=chunk.speaker,
                score=float(best[i]),
                fulltext=row.id in matched,
            )
        )
    return SemanticResults(hits, len(usable), embedded)


# --- indexing one customer in steps (the desktop, with progress) ----------------------------


def stale_interactions(
    store: Store, principal: Principal, cluster: Sequence[int], model: str
) -> list[int]:
    """Ids of ``cluster``'s interactions whose ``model`` vectors are missing or stale, newest first.

    What a first search of this customer would embed: the desktop shows how many ("Indexing
    180 conversations…") and embeds them in steps with :func:`embed_interactions`.
    """
    require(principal, Permission.VIEW_PROFILE)
    if not cluster:
        return []
    stmt = (
        select(Interaction.id, Interaction.subject, Interaction.body, Embedding.text_hash)
        .join(Customer, Customer.id == Interaction.customer_id)
        .outerjoin(
            Embedding, and_(Embedding.interaction_id == Interaction.id, Embedding.model == model)
        )
        .where(Interaction.customer_id.in_(list(cluster)), Customer.erased_at.is_(None))
        .order_by(Interaction.started_at.desc(), Interaction.id.desc())
    )
    with store.read() as session:
        rows = session.execute(stmt).all()
    return [row.id for row in rows if row.text_hash != text_hash(row.subject, row.body)]


def embed_interactions(
    store: Store, encoder: SentenceEncoder, ids: Sequence[int], *, bulk: bool = False
) -> int:
    """Compute and store the vectors of these interactions; return how many were written.

    Interactions of erased profiles are skipped, and, as in a search, vectors of text that
    changed while they were computed are not written. ``bulk``: encode on every core.
    """
    if not ids:
        return 0
    stmt = (
        select(Interaction.id, Interaction.customer_id, Interaction.subject, Interaction.body)
        .join(Customer, Customer.id == Interaction.customer_id)
        .where(Interaction.id.in_(list(ids)), Customer.erased_at.is_(None))
    )
    with store.read() as session:
        rows = session.execute(stmt).all()
    pending = [
        _Pending(row.id, row.customer_id, text_hash(row.subject, row.body), chunks)
        for row in rows
        for chunks in [chunks_of(row.subject, row.body)]
    ]
    return _store(store, encoder.name, _compute(encoder, pending, bulk))


# --- bulk backfill --------------------------------------------------------------------------

PAGE = 1_000


def _scope(customer_ids: Sequence[int] | None) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = Customer.erased_at.is_(None)
    if customer_ids is not None:
        condition = condition & Interaction.customer_id.in_(list(customer_ids))
    return condition


def count_interactions(store: Store, customer_ids: Sequence[int] | None = None) -> int:
    """Interactions a backfill would look at (not erased; of ``customer_ids`` if given)."""
    with store.read() as session:
        stmt = (
            select(func.count())
            .select_from(Interaction)
            .join(Customer, Customer.id == Interaction.customer_id)
            .where(_scope(customer_ids))
        )
        return int(session.scalar(stmt) or 0)


def _stale_page(
    store: Store, model: str, customer_ids: Sequence[int] | None, after: int
) -> tuple[list[_Pending], int, int]:
    """Interactions after id ``after`` without current vectors; rows scanned; last id."""
    stmt = (
        select(
            Interaction.id,
            Interaction.customer_id,
            Interaction.subject,
            Interaction.body,
            Embedding.text_hash,
        )
        .join(Customer, Customer.id == Interaction.customer_id)
        .outerjoin(
            Embedding, and_(Embedding.interaction_id == Interaction.id, Embedding.model == model)
        )
        .where(_scope(customer_ids), Interaction.id > after)
        .order_by(Interaction.id)
        .limit(PAGE)
    )
    with store.read() as session:
        rows = session.execute(stmt).all()
    stale = []
    for row in rows:
        digest = text_hash(row.subject, row.body)
        if row.text_hash != digest:
            stale.append(
                _Pending(row.id, row.customer_id, digest, chunks_of(row.subject, row.body))
            )
    return stale, len(rows), rows[-1].id if rows else after


def embed_missing(
    store: Store,
    encoder: SentenceEncoder,
    *,
    customer_ids: Sequence[int] | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
) -> BackfillReport:
    """Compute the vectors that are missing or stale (all customers, or ``customer_ids``).

    At most ``limit`` interactions are embedded; ``progress(scanned, embedded)`` is called
    after each batch. Each batch is written in its own short transaction, so an interrupted
    backfill keeps what it did and the next one goes on from there.
    """
    start = time.perf_counter()
    scanned = embedded = sentences = 0
    after = 0
    queue: list[_Pending] = []
    room = limit if limit is not None else math.inf
    while room > 0:
        stale, seen, after = _stale_page(store, encoder.name, customer_ids, after)
        scanned += seen
        queue += stale[: int(min(room, len(stale)))]
        room -= min(room, len(stale))
        done = seen < PAGE or room <= 0
        while queue and (len(queue) >= batch or done):
            current, queue = queue[:batch], queue[batch:]
            embedded += _store(store, encoder.name, _compute(encoder, current, bulk=True))
            sentences += sum(len(item.chunks) for item in current)
            if progress is not None:
                progress(scanned, embedded)
        if progress is not None:
            progress(scanned, embedded)
        if done:
            break
    return BackfillReport(scanned, embedded, sentences, time.perf_counter() - start)
