"""The profile header: name and identities, tier, value, consent, open cases, trends, birthday."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from sayonce.history.profile import Profile, ScorePoint
from sayonce.ui import themes
from sayonce.ui.flow_layout import ElidedLabel, FlowLayout
from sayonce.ui.icons import pixmap

MAX_IDENTITIES = 6
BIRTHDAY_SOON_DAYS = 14
# The figures sit beside the name, identities and badges while that leaves them this much
# room and does not make the header taller; otherwise they go under them (a docked live
# call panel leaves the header 600-900 px).
IDENTITY_MIN_WIDTH = 300
_KIND_ICONS = {"phone": "call", "email": "email", "social": "social"}


def ago(at: datetime | None, now: datetime | None = None) -> str:
    """``3 days ago``, ``today``, ``2 months ago``."""
    if at is None:
        return "never"
    days = ((now or datetime.now(UTC)) - at).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 45:
        return f"{days} days ago"
    if days < 548:
        return f"{round(days / 30.4)} months ago"
    return f"{round(days / 365.25)} years ago"


def initials(name: str) -> str:
    """Up to two initials for the avatar."""
    letters = [w[0] for w in name.split() if w and w[0].isalpha()]
    return (
        "".join(letters[:1] + letters[-1:]) if len(letters) > 1 else "".join(letters)
    ).upper() or "?"


class Avatar(QWidget):
    """A coloured circle with the customer's initials."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty avatar."""
        super().__init__(parent)
        self.text = ""
        self.setFixedSize(56, 56)

    def paintEvent(self, _event: object) -> None:
        """Draw the circle and initials."""
        theme = themes.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color("accent_soft"))
        painter.drawEllipse(self.rect().adjusted(1, 1, -1, -1))
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(theme.color("accent"))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.text)


class Sparkline(QWidget):
    """A tiny line of survey scores over time (oldest left)."""

    def __init__(self, scale: int, parent: QWidget | None = None) -> None:
        """Scores from 0 (NPS) or 1 (CSAT) to ``scale``."""
        super().__init__(parent)
        self.scale = scale
        self.points: list[ScorePoint] = []
        self.setFixedSize(64, 22)

    def sizeHint(self) -> QSize:
        """Fixed."""
        return QSize(64, 22)

    def paintEvent(self, _event: object) -> None:
        """Draw the line and the last point."""
        if not self.points:
            return
        theme = themes.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        step = area.width() / max(1, len(self.points) - 1)
        coords = [
            QPointF(area.left() + n * step, area.bottom() - area.height() * p.score / self.scale)
            for n, p in enumerate(self.points)
        ]
        path = QPainterPath(coords[0])
        for point in coords[1:]:
            path.lineTo(point)
        last = self.points[-1].score / self.scale
        tone = "ok" if last >= 0.8 else "warn" if last >= 0.6 else "danger"
        painter.setPen(QPen(theme.color(tone), 2))
        painter.drawPath(path)
        painter.setBrush(theme.color(tone))
        painter.drawEllipse(coords[-1], 2.8, 2.8)


class _Badge(QLabel):
    """A rounded label whose colour comes from its ``tone`` (QSS property)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("badge")
        self._tone = ""

    def show_as(self, text: str, tone: str = "", tooltip: str = "") -> None:
        self.setText(text)
        self.setToolTip(tooltip)
        if tone != self._tone:  # re-polish only when the colour changes: it is not free
            self._tone = tone
            self.setProperty("tone", tone)
            self.style().unpolish(self)
            self.style().polish(self)
        self.setVisible(True)


class _Chip(QWidget):
    """An identity: icon and text; a text too wide for the row ends in "…" (full in tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 10, 0)
        row.setSpacing(5)
        self.glyph = QLabel(self)
        self.glyph.setFixedSize(15, 15)
        row.addWidget(self.glyph)
        self.label = ElidedLabel("", self)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label)

    def show_as(self, icon_name: str, text: str, color: QColor, tooltip: str = "") -> None:
        self.glyph.setPixmap(pixmap(icon_name, color.name(), 15))
        self.label.set_full_text(text, tooltip)
        self.setAccessibleName(text)
        self.setVisible(True)


class _Pool:
    """A wrapping row of reusable widgets: switching customers updates them, never rebuilds.

    Creating styled widgets is the costly part of a screen pop on the UI thread, so the
    header makes its labels once and only changes their text and visibility.
    """

    def __init__(self, layout: FlowLayout, make: Callable[[], QWidget], size: int) -> None:
        self.widgets = [make() for _ in range(size)]
        for widget in self.widgets:
            widget.setVisible(False)
            layout.addWidget(widget)
        self._used = 0

    def take(self) -> Any:
        """The next free widget (the caller fills and shows it), or ``None`` when full."""
        if self._used >= len(self.widgets):
            return None
        self._used += 1
        return self.widgets[self._used - 1]

    def shown(self) -> list[Any]:
        """The widgets in use, in order."""
        return self.widgets[: self._used]

    def reset(self) -> None:
        """Hide every widget."""
        for widget in self.widgets[: self._used]:
            widget.setVisible(False)
        self._used = 0


def _invalidate_all(layout: QLayout) -> None:
    """Forget the remembered sizes of ``layout`` and every layout inside it."""
    for n in range(layout.count()):
        item = layout.itemAt(n)
        inner = item.layout() if item is not None else None
        if inner is not None:
            _invalidate_all(inner)
    layout.invalidate()


class _Stat(QWidget):
    """A figure with its caption, optionally with a sparkline."""

    def __init__(self, caption: str, scale: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QVBoxLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(1)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("statLabel")
        line = QHBoxLayout()
        line.setSpacing(6)
        self.value = QLabel("—", self)
        self.value.setObjectName("statValue")
        line.addWidget(self.value)
        self.spark = Sparkline(scale, self) if scale else None
        if self.spark is not None:
            line.addWidget(self.spark)
        line.addStretch(1)
        grid.addWidget(self.caption)
        grid.addLayout(line)

    def set(self, value: str, tooltip: str = "", points: list[ScorePoint] | None = None) -> None:
        self.value.setText(value)
        self.setToolTip(tooltip)
        self.setAccessibleName(f"{self.caption.text()}: {value}. {tooltip}")
        if self.spark is not None:
            self.spark.points = points or []
            self.spark.setVisible(len(self.spark.points) > 1)
            self.spark.update()


class ProfileHeader(QFrame):
    """Who is on the line, at a glance.

    Name, badges, identities and status badges wrap onto more rows as the header narrows
    (it grows taller instead of cutting them off); below :data:`IDENTITY_MIN_WIDTH` for them,
    the figures move from beside them to under them.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty header (no customer)."""
        super().__init__(parent)
        self.setObjectName("card")
        self.setAccessibleName("Customer profile")
        self.profile: Profile | None = None
        self.outer = QHBoxLayout(self)
        self.outer.setContentsMargins(16, 14, 16, 14)
        self.outer.setSpacing(14)
        self.avatar = Avatar(self)
        self.outer.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        self.column = self._identity_column()
        self.outer.addLayout(self.column, 1)
        self.stats = self._stats_box()
        self.outer.addWidget(self.stats, 0, Qt.AlignmentFlag.AlignTop)
        self.stats_beside = True

    def _identity_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(6)
        top = FlowLayout(h_spacing=6, v_spacing=4)
        self.name = ElidedLabel("", self)
        self.name.setObjectName("customerName")
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name.setContentsMargins(0, 0, 4, 0)
        top.addWidget(self.name)
        self.badges = _Pool(top, lambda: _Badge(self), 5)
        column.addLayout(top)
        self.subtitle = QLabel("", self)
        self.subtitle.setObjectName("muted")
        self.subtitle.setWordWrap(True)
        column.addWidget(self.subtitle)
        identities = FlowLayout(h_spacing=4, v_spacing=4)
        column.addLayout(identities)
        self.identities = _Pool(identities, lambda: _Chip(self), MAX_IDENTITIES + 1)
        status = FlowLayout(h_spacing=6, v_spacing=4)
        column.addLayout(status)
        self.status = _Pool(status, lambda: _Badge(self), 8)
        return column

    def _stats_box(self) -> QWidget:
        box = QWidget(self)
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(22)
        grid.setVerticalSpacing(10)
        self.value_stat = _Stat("Value (12 months)")
        self.potential_stat = _Stat("Potential")
        self.contact_stat = _Stat("Last contact")
        self.nps_stat = _Stat("NPS", scale=10)
        self.csat_stat = _Stat("CSAT", scale=5)
        self.birthday_stat = _Stat("Birthday")
        stats = [
            self.value_stat,
            self.potential_stat,
            self.contact_stat,
            self.nps_stat,
            self.csat_stat,
            self.birthday_stat,
        ]
        for n, stat in enumerate(stats):
            stat.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            grid.addWidget(stat, n // 3, n % 3)
        box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        return box

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Put the figures beside or under the identities, whichever the width allows."""
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def _column_height(self, width: int) -> int:
        """How tall the name, identities and badges are ``width`` px wide (figures aside)."""
        heights = []
        for n in range(self.column.count()):
            item = self.column.itemAt(n)
            if item is None or item.widget() is self.stats or item.isEmpty():
                continue
            has_hfw = item.hasHeightForWidth()
            heights.append(item.heightForWidth(width) if has_hfw else item.sizeHint().height())
        return sum(heights) + self.column.spacing() * max(0, len(heights) - 1)

    def _arrange(self, width: int) -> None:
        """Figures beside the identities when that leaves them room and is not taller."""
        margins = self.outer.contentsMargins()
        room = width - margins.left() - margins.right() - self.avatar.width()
        stats = self.stats.sizeHint()
        narrow = room - self.outer.spacing()
        wide = narrow - self.outer.spacing() - stats.width()
        beside_height = max(self._column_height(wide), stats.height(), self.avatar.height())
        below_height = self._column_height(narrow) + self.column.spacing() + stats.height()
        beside = wide >= IDENTITY_MIN_WIDTH and beside_height <= below_height
        if beside == self.stats_beside:
            return
        self.stats_beside = beside
        for layout in (self.outer, self.column):
            layout.removeWidget(self.stats)
        if beside:
            self.outer.addWidget(self.stats, 0, Qt.AlignmentFlag.AlignTop)
        else:
            self.column.addWidget(self.stats, 0, Qt.AlignmentFlag.AlignLeft)

    def set_profile(self, profile: Profile | None, today: date | None = None) -> None:
        """Show ``profile`` (or nothing)."""
        # Showing each pooled label would lay the whole header out again (Qt activates the
        # layouts of every ancestor when a child is shown); fill it with its layout off, then
        # lay it out once.
        self.outer.setEnabled(False)
        try:
            self._fill(profile, today)
        finally:
            self.outer.setEnabled(True)
            _invalidate_all(self.outer)
            self._arrange(self.width())
            self.outer.activate()  # labels get their widths (and elide) now, not later
            self.updateGeometry()  # the page asks for the header's height again

    def _fill(self, profile: Profile | None, today: date | None) -> None:
        self.profile = profile
        for pool in (self.badges, self.identities, self.status):
            pool.reset()
        if profile is None:
            self.name.set_full_text("")
            self.subtitle.setText("")
            self.avatar.text = ""
            self.avatar.update()
            return
        theme = themes.current()
        self.avatar.text = initials(profile.display_name)
        self.avatar.update()
        self.name.set_full_text(profile.display_name)
        self._fill_badges(profile)
        place = ", ".join(p for p in (profile.city, profile.country) if p)
        members = len(profile.member_ids)
        merged = f" · {members} merged profiles" if members > 1 else ""
        bits = [profile.ref, place, (profile.language or "").upper()]
        self.subtitle.setText(" · ".join(b for b in bits if b) + merged)
        self._fill_identities(profile, theme)
        self._fill_status(profile)
        self._fill_stats(profile, today or date.today())
        self.setAccessibleDescription(self._summary(profile))

    def _fill_badges(self, profile: Profile) -> None:
        shown = [
            (profile.tier.capitalize() if profile.tier else "", "accent"),
            ((profile.segment or "").replace("_", " ").capitalize(), ""),
            ("Unverified profile" if profile.unverified else "", "warn"),
            ("Erased" if profile.erased else "", "danger"),
            ("" if profile.personalization_allowed else "Opted out of personalization", "danger"),
        ]
        for text, tone in shown:
            if text:
                self.badges.take().show_as(text, tone)

    def _fill_identities(self, profile: Profile, theme: themes.Theme) -> None:
        muted = theme.color("muted")
        for identity in profile.identities[:MAX_IDENTITIES]:
            icon_name = _KIND_ICONS.get(identity.kind, "order_number")
            known = identity.kind in _KIND_ICONS
            text = identity.label if known else f"{identity.kind} {identity.label}"
            self.identities.take().show_as(icon_name, text, muted)
        hidden = profile.identities[MAX_IDENTITIES:]
        if hidden:
            more = self.identities.take()
            listing = "\n".join(
                i.label if i.kind in _KIND_ICONS else f"{i.kind} {i.label}" for i in hidden
            )
            more.show_as("order_number", f"+{len(hidden)} more", muted, listing)

    def _fill_status(self, profile: Profile) -> None:
        on_off = {True: ("ok", "on"), False: ("danger", "off")}
        tone, word = on_off[profile.personalization_allowed]
        self.status.take().show_as(f"Personalization {word}", tone)
        tone, word = on_off[profile.consent_marketing]
        self.status.take().show_as(f"Marketing {word}", tone)
        if profile.preferred_channel:
            self.status.take().show_as(f"Prefers {profile.preferred_channel}")
        for case in profile.open_cases[:3]:
            tip = f"{case.title} ({case.priority} priority)"
            self.status.take().show_as(f"Case {case.number} · {case.status}", "warn", tip)
        if len(profile.open_cases) > 3:
            self.status.take().show_as(f"+{len(profile.open_cases) - 3} open cases", "warn")
        if not profile.open_cases:
            self.status.take().show_as("No open cases")

    def _fill_stats(self, profile: Profile, today: date) -> None:
        self.value_stat.set(f"${profile.value_score:,.0f}")
        self.potential_stat.set(f"${profile.potential_score:,.0f}", "untapped potential")
        channel = f" · {profile.last_contact_channel}" if profile.last_contact_channel else ""
        self.contact_stat.set(
            ago(profile.last_contact_at) + channel,
            f"{profile.interaction_count:,} contacts in total",
        )
        for stat, points, scale in (
            (self.nps_stat, profile.nps, 10),
            (self.csat_stat, profile.csat, 5),
        ):
            latest = f"{points[-1].score}/{scale}" if points else "—"
            trend = ", ".join(str(p.score) for p in points)
            stat.set(latest, f"last answers: {trend}" if trend else "no answers yet", points)
        days = profile.days_to_birthday(today)
        if days is None or profile.birthday is None:
            self.birthday_stat.set("—")
        else:
            soon = (
                "today!" if days == 0 else f"in {days} days" if days <= BIRTHDAY_SOON_DAYS else ""
            )
            text = soon or f"{profile.birthday.day} {profile.birthday:%b}"
            self.birthday_stat.set(text, f"{profile.birthday:%d %B}")
            self.birthday_stat.value.setProperty("tone", "ok" if soon else "")

    @staticmethod
    def _summary(profile: Profile) -> str:
        cases = f"{len(profile.open_cases)} open cases" if profile.open_cases else "no open cases"
        return f"{profile.display_name}, {profile.tier or 'no'} tier, {cases}."
