"""The agent desktop stays readable at laptop and desktop sizes, with the live call panel docked.

Issue #7: beside the docked live call panel the profile header cut identities off with nothing
to show the rest, and "already told us" items painted over each other. These tests open a
customer with many long identities and wordy facts at 1366x768, 1720x1000 and 1920x1080, with
and without a docked panel as wide as the live call panel (700 px or more), in both themes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from sayonce.history.desk import Desk
from sayonce.store import Identity, open_store
from sayonce.ui import themes
from sayonce.ui.flow_layout import ElidedLabel, FlowLayout
from sayonce.ui.main_window import MainWindow
from sayonce.ui.told_us_panel import FactRole, layout_fact
from tests import historydata as hd

WAIT = 5000
LIVE_PANEL_MIN_WIDTH = 700  # what sayonce.ui.live_call_launch gives the live call dock
SIZES = [(1366, 768), (1720, 1000), (1920, 1080)]
LONG_EMAIL = "maria.alejandra.gonzalez-fernandez.customer-care-escalations@example-company.com"
FACTS = [
    ("promise", "we will call you back on Friday before noon to confirm the replacement", "Fri"),
    ("problem", "the parcel is late and the tracking page has said 'in transit' for nine days"),
    ("tried", "I already restarted the router twice, changed the cable, and reset it to factory"),
    ("order_number", "it is order A-11547 from the spring sale", "A-11547"),
    ("preference", "please only email me, never call during work hours"),
    ("problem", "x" * 40 + " " + "a very long sentence " * 12),
]


@pytest.fixture(autouse=True)
def light_theme(qapp: QApplication) -> Any:
    themes.apply(qapp, "light")
    yield
    themes.apply(qapp, "light")


@pytest.fixture
def world(sqlite_url: str) -> Any:
    store = open_store(sqlite_url)
    me = hd.agent_principal(store)
    who = hd.customer(
        store,
        "Maria Alejandra Gonzalez-Fernandez de la Vega",
        phone="+14155550101",
        email=LONG_EMAIL,
        handle="twitter:maria_alejandra_gonzalez_official",
    )
    with store.write() as s:
        for kind, value in (
            ("phone", "+14155550199"),
            ("account", "ACC-0000328779400012"),
            ("loyalty", "NWR2004680170000"),
            ("social", "tiktok:maria.alejandra.gf"),
            ("external", "zendesk:998877665544"),
        ):
            s.add(Identity(customer_id=who, kind=kind, value=value, verified=True))
    ids = hd.interactions(store, who, 12, step=timedelta(hours=5))
    for n, (kind, text, *value) in enumerate(FACTS):
        at = hd.T0 + timedelta(days=n)
        hd.fact(store, who, ids[n], kind, text, at=at, value=value[0] if value else None)
    yield {"store": store, "me": me, "customer": who}
    store.dispose()


def open_at(
    qtbot: Any, world: dict[str, Any], size: tuple[int, int], docked: bool, theme: str = "light"
) -> MainWindow:
    """A window of ``size`` showing the customer, with a live-call-wide dock if ``docked``."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    themes.apply(app, theme)
    window = MainWindow(Desk(world["store"], world["me"]), load_models=False, poll_ms=60_000)
    qtbot.addWidget(window)
    if docked:
        panel = QLabel("live call")
        panel.setMinimumWidth(LIVE_PANEL_MIN_WIDTH)
        dock = window.add_side_panel(panel, "Live call")
        dock.setMinimumWidth(LIVE_PANEL_MIN_WIDTH)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    if docked:  # as wide as `sayonce run --simulate --screenshot` makes it: the worst case
        window.resizeDocks([dock], [800], Qt.Orientation.Horizontal)
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT):
        window.open_customer(world["customer"])
    qtbot.wait(300)  # the fact list lays itself out again a moment after a resize
    return window


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def assert_label_readable(label: ElidedLabel) -> None:
    """Either the whole text is shown, or it ends in "…" and the tooltip has all of it."""
    room = label.contentsRect().width()
    full = label.full_text()
    if label.fontMetrics().horizontalAdvance(full) <= room:
        assert label.text() == full
    else:
        assert label.text().endswith("…"), (full, label.text())
        assert full in label.toolTip(), (full, label.toolTip())
        assert label.fontMetrics().horizontalAdvance(label.text()) <= room


@pytest.mark.parametrize("docked", [True, False], ids=["docked", "alone"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_header_identities_are_never_cut_without_a_tooltip(qtbot, world, size, docked) -> None:
    window = open_at(qtbot, world, size, docked)
    header = window.header
    chips = header.identities.shown()
    assert len(chips) == 7  # six identities and "+2 more"
    inside = header.contentsRect()
    rects = []
    for chip in chips:
        assert chip.isVisible()
        assert_label_readable(chip.label)
        rect = rect_in(chip, header)
        assert inside.contains(rect), (chip.label.full_text(), rect, inside)  # never clipped
        rects.append(rect)
    assert all(not a.intersects(b) for n, a in enumerate(rects) for b in rects[n + 1 :])
    more = chips[-1].label
    assert more.text() == "+2 more" and "zendesk:998877665544" in more.toolTip()
    assert_label_readable(header.name)
    # badges and the figures are inside the header and clear of the identities
    others = [*header.badges.shown(), *header.status.shown(), header.stats]
    for widget in others:
        rect = rect_in(widget, header)
        assert inside.contains(rect), (widget, rect, inside)
        assert not any(rect.intersects(chip) for chip in rects), widget


def test_the_header_wraps_identities_when_docked_at_1366(qtbot, world) -> None:
    window = open_at(qtbot, world, (1366, 768), docked=True)
    header = window.header
    rows = {rect_in(chip, header).top() for chip in header.identities.shown()}
    assert len(rows) >= 2  # the chips wrapped instead of being squeezed
    assert not header.stats_beside  # figures moved under the identities
    email = next(c.label for c in header.identities.shown() if "@example" in c.label.full_text())
    assert email.is_elided()  # longer than the whole row: elided, full text in the tooltip
    assert email.toolTip() == LONG_EMAIL
    # the docked panel keeps at least the live call panel's width: nothing of it is cut off
    dock_widgets = [d for d in window.children() if d.objectName() == "dock-Live call"]
    assert dock_widgets and dock_widgets[0].width() >= LIVE_PANEL_MIN_WIDTH


def test_wide_header_keeps_figures_beside_the_identities(qtbot, world) -> None:
    window = open_at(qtbot, world, (1920, 1080), docked=False)
    header = window.header
    assert header.stats_beside
    chips = [rect_in(c, header) for c in header.identities.shown()]
    assert rect_in(header.stats, header).left() > max(r.right() for r in chips)


def told_us_rects(window: MainWindow) -> list[QRect]:
    view = window.told_us.list
    model = window.told_us.model
    return [view.visualRect(model.index(row, 0)) for row in range(model.rowCount())]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("docked", [True, False], ids=["docked", "alone"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_told_us_items_never_overlap(qtbot, world, size, docked, theme) -> None:
    window = open_at(qtbot, world, size, docked, theme)
    view = window.told_us.list
    model = window.told_us.model
    assert model.rowCount() == len(FACTS)
    rects = told_us_rects(window)
    for n, rect in enumerate(rects):
        assert rect.width() <= view.viewport().width()  # no horizontal scrolling
        for other in rects[n + 1 :]:
            assert not rect.intersects(other), (rect, other)
        fact = model.index(n, 0).data(FactRole)
        parts = layout_fact(fact, view.font(), rect.width())
        assert parts.height == rect.height()  # every wrapped line fits in the item
        assert not parts.title.intersects(parts.where)  # the bug of issue #7
        inner = QRect(0, 0, rect.width(), parts.height)
        assert all(inner.contains(r) for r in (parts.title, parts.where))
        for (line, _text), (below, _) in zip(parts.lines, parts.lines[1:], strict=False):
            assert below.top() > line.top() and not line.intersects(below)
        tip = model.index(n, 0).data(Qt.ItemDataRole.ToolTipRole)
        assert fact.text in tip  # an elided quote is whole in the tooltip


def test_told_us_rows_grow_when_the_panel_narrows(qtbot, world) -> None:
    window = open_at(qtbot, world, (1920, 1080), docked=False)
    wide = told_us_rects(window)
    window.body.setSizes([1400, 260])  # drag the splitter: the facts column gets narrow
    qtbot.waitUntil(lambda: told_us_rects(window)[0].width() < wide[0].width(), timeout=WAIT)
    qtbot.wait(300)
    narrow = told_us_rects(window)
    assert sum(r.height() for r in narrow) > sum(r.height() for r in wide)
    for n, rect in enumerate(narrow):
        assert all(not rect.intersects(other) for other in narrow[n + 1 :])
        fact = window.told_us.model.index(n, 0).data(FactRole)
        assert layout_fact(fact, window.told_us.list.font(), rect.width()).height == rect.height()


def test_flow_layout_wraps_and_reports_its_height(qtbot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    flow = FlowLayout(host, h_spacing=4, v_spacing=4)
    labels = [QLabel(f"identity number {n}") for n in range(6)]
    for label in labels:
        flow.addWidget(label)
    one_row = flow.sizeHint().width()
    assert flow.heightForWidth(one_row) == labels[0].sizeHint().height()
    assert flow.heightForWidth(one_row // 3) > 2 * labels[0].sizeHint().height()
    host.resize(one_row // 2, flow.heightForWidth(one_row // 2))
    host.show()
    qtbot.waitExposed(host)
    tops = sorted({label.geometry().top() for label in labels})
    assert len(tops) >= 2
    for label in labels:
        assert host.rect().contains(label.geometry())


def test_elided_label_keeps_the_full_text_in_tooltip_and_copy(qtbot) -> None:
    label = ElidedLabel(LONG_EMAIL)
    qtbot.addWidget(label)
    label.resize(120, 20)
    label.show()
    qtbot.waitExposed(label)
    assert label.is_elided() and label.text().endswith("…")
    assert label.toolTip() == LONG_EMAIL and label.accessibleName() == LONG_EMAIL
    label.copy_full_text()
    assert QGuiApplication.clipboard().text() == LONG_EMAIL
    label.resize(label.sizeHint().width(), 20)
    qtbot.waitUntil(lambda: not label.is_elided())
    assert label.text() == LONG_EMAIL and label.toolTip() == ""


@pytest.mark.parametrize("docked", [True, False], ids=["docked", "alone"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_timeline_controls_are_whole_at_every_size(qtbot, world, size, docked) -> None:
    window = open_at(qtbot, world, size, docked)
    timeline = window.timeline
    controls = [*timeline.chips, timeline.find_box, timeline.date, timeline.newest]
    rects = [rect_in(w, timeline) for w in controls]
    for widget, rect in zip(controls, rects, strict=True):
        assert timeline.rect().contains(rect), (widget.accessibleName(), rect)
        assert rect.width() >= widget.minimumSizeHint().width()  # not squeezed
        assert all(not rect.intersects(other) for other in rects if other is not rect)
    for chip in timeline.chips:
        assert rect_in(chip, timeline).width() >= chip.sizeHint().width()  # label not cut
        if chip.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly:
            assert chip.text().replace("&&", "&").lower() in chip.toolTip().lower()
    labelled = timeline.chips[0].toolButtonStyle() != Qt.ToolButtonStyle.ToolButtonIconOnly
    assert labelled or size == (1366, 768)  # only beside the live panel at 1366 px: icons


def test_header_height_follows_the_customer_shown(qtbot, world) -> None:
    few = hd.customer(world["store"], "Al Bo", phone="+14155550123")
    window = open_at(qtbot, world, (1366, 768), docked=True)
    header = window.header

    def settled() -> bool:
        return header.height() == header.heightForWidth(header.width())

    qtbot.waitUntil(settled, timeout=WAIT)
    tall = header.height()
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT):
        window.open_customer(few)
    qtbot.waitUntil(lambda: settled() and header.height() < tall, timeout=WAIT)
    assert [c.label.full_text() for c in header.identities.shown()] == ["+1 415-555-0123"]
    with qtbot.waitSignal(window.customer_shown, timeout=WAIT):
        window.open_customer(world["customer"])
    qtbot.waitUntil(lambda: settled() and header.height() == tall, timeout=WAIT)
    inside = header.contentsRect()
    assert all(inside.contains(rect_in(c, header)) for c in header.identities.shown())


def test_a_narrow_timeline_row_gives_the_title_the_whole_first_line() -> None:
    # Beside the docked live-call panel on a 1366 px screen a row has about 260 px of text:
    # "Campaign “Black Friday…”" was cut to "Campai…" next to its date. The date moves down.
    from sayonce.ui.timeline_delegate import NARROW_TEXT_WIDTH, line_widths

    time_width = 130
    assert line_widths(260, time_width) == (260, 122, 1)
    wide = NARROW_TEXT_WIDTH + 300
    assert line_widths(wide, time_width) == (wide - time_width - 8, wide, 0)
