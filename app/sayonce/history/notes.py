"""Agents' notes on a customer, saved continuously while they type.

There is no save button: the desktop calls :meth:`NoteAutosave.save` a moment after typing
stops and on focus-out/close, so killing the app loses at most the last second. Each save is
one short transaction; the optimistic ``version`` makes a concurrent edit of the same note
fail loudly instead of overwriting someone else's text. Text is redacted before it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sayonce.history.items import ItemKind, TimelineItem, typed
from sayonce.history.sources import squash
from sayonce.privacy.redact import redact
from sayonce.store import ConcurrentEditError, Note, Store, utcnow
from sayonce.trust.permissions import Permission, require
from sayonce.trust.principal import Principal


@dataclass(frozen=True, slots=True)
class SavedNote:
    """A note as stored (the body is the redacted text)."""

    id: int
    customer_id: int
    version: int
    body: str
    created_at: datetime
    updated_at: datetime
    agent_id: int | None


def _snapshot(note: Note) -> SavedNote:
    return SavedNote(
        id=note.id,
        customer_id=note.customer_id,
        version=note.version,
        body=note.body,
        created_at=note.created_at,
        updated_at=note.updated_at,
        agent_id=note.agent_id,
    )


def save_note(
    store: Store,
    principal: Principal,
    customer_id: int,
    body: str,
    *,
    note_id: int | None = None,
    version: int | None = None,
    interaction_id: int | None = None,
) -> SavedNote:
    """Insert a note, or update note ``note_id`` if it is still at ``version``.

    Raises :class:`~sayonce.store.ConcurrentEditError` when someone else saved that note
    since ``version`` (nothing is overwritten), and ``PermissionDenied`` for roles that may
    not write notes.
    """
    require(principal, Permission.EDIT_NOTES)
    clean = redact(typed(body))
    with store.write() as session:
        if note_id is None:
            note = Note(
                customer_id=customer_id,
                agent_id=principal.agent_id,
                interaction_id=interaction_id,
                body=clean,
            )
            session.add(note)
        else:
            found = session.get(Note, note_id)
            if found is None or (version is not None and found.version != version):
                raise ConcurrentEditError(
                    "This note was changed or removed by someone else since you opened it."
                )
            note = found
            note.body = clean
            note.updated_at = utcnow()
        session.flush()
        return _snapshot(note)


class NoteAutosave:
    """One note being typed: the first save inserts it, later saves update it.

    Not thread-safe by design: the desktop drives it from its single database worker, so
    saves happen in order. If someone else changed the note meanwhile, the text is kept by
    starting a new note rather than overwriting theirs or dropping ours.
    """

    def __init__(self, store: Store, principal: Principal, customer_id: int) -> None:
        """Start a new, not yet saved, note on ``customer_id``."""
        self.store = store
        self.principal = principal
        self.customer_id = customer_id
        self.saved: SavedNote | None = None
        self.conflicts = 0
        self._last_body: str | None = None

    def save(self, body: str) -> SavedNote | None:
        """Persist ``body`` if it changed since the last save; ``None`` when nothing to do."""
        if body == self._last_body or (self.saved is None and not body.strip()):
            return None
        try:
            self.saved = self._write(body)
        except ConcurrentEditError:
            self.conflicts += 1
            self.saved = None
            self.saved = self._write(body)
        self._last_body = body
        return self.saved

    def _write(self, body: str) -> SavedNote:
        saved = self.saved
        return save_note(
            self.store,
            self.principal,
            self.customer_id,
            body,
            note_id=saved.id if saved else None,
            version=saved.version if saved else None,
        )


def note_item(note: SavedNote, author: str = "") -> TimelineItem:
    """How a saved note appears in the timeline (the same as the timeline query shows it)."""
    edited = (note.updated_at - note.created_at).total_seconds() > 60
    meta = f"by {author}" if author else "agent note"
    return TimelineItem(
        kind=ItemKind.NOTE,
        id=note.id,
        at=note.created_at,
        channel="note",
        title="Note",
        snippet=squash(note.body),
        meta=meta + (" · edited" if edited else ""),
        customer_id=note.customer_id,
    )
