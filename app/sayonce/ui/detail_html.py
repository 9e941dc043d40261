"""An expanded timeline item as HTML for the reading pane (transcript, email, order, note)."""

from __future__ import annotations

from html import escape

from sayonce.history.detail import ItemDetail
from sayonce.ui.themes import Theme

SPEAKERS = {"customer": "Customer", "agent": "Agent", "bot": "Bot", "system": "System"}


def _when(detail: ItemDetail) -> str:
    local = detail.at.astimezone()
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


def _fields(detail: ItemDetail, theme: Theme) -> str:
    muted = theme.tokens["muted"]
    cells = "".join(
        f"<td style='padding-right:18px'><span style='color:{muted}'>{escape(label)}</span><br>"
        f"{escape(value)}</td>"
        for label, value in detail.fields
    )
    return (
        f"<table cellspacing='0' style='margin:6px 0 10px 0'><tr>{cells}</tr></table>"
        if cells
        else ""
    )


def _turns(detail: ItemDetail, theme: Theme) -> str:
    rows = []
    for turn in detail.turns:
        color = (
            theme.tokens["accent"] if turn.speaker == "agent" else theme.kind_color("chat").name()
        )
        who = SPEAKERS.get(turn.speaker, turn.speaker.capitalize())
        rows.append(
            f"<tr><td valign='top' width='80' style='padding:4px 14px 4px 0; color:{color}; "
            f"font-weight:600; white-space:nowrap'>{escape(who)}</td>"
            f"<td style='padding:4px 0'>{escape(turn.text)}</td></tr>"
        )
    return f"<table cellspacing='0' width='100%'>{''.join(rows)}</table>"


def detail_html(detail: ItemDetail, theme: Theme) -> str:
    """The reading-pane HTML for ``detail``."""
    muted = theme.tokens["muted"]
    parts = [
        f"<h3 style='margin:0 0 2px 0'>{escape(detail.title)}</h3>",
        f"<div style='color:{muted}'>{escape(_when(detail))} · {escape(detail.channel)}</div>",
        _fields(detail, theme),
    ]
    if detail.summary:
        parts.append(
            f"<p style='background:{theme.tokens['accent_soft']}; padding:8px'>"
            f"<b>Summary</b><br>{escape(detail.summary)}</p>"
        )
    if detail.turns:
        parts.append(_turns(detail, theme))
    if detail.body:
        body = escape(detail.body).replace("\n", "<br>")
        parts.append(f"<div style='line-height:140%'>{body}</div>")
    return "".join(parts)


def hint_html(theme: Theme) -> str:
    """What the pane says before an item is opened."""
    return (
        f"<p style='color:{theme.tokens['muted']}'>Select an item and press <b>Enter</b> "
        "(or double-click) to read the whole transcript, email or order here.</p>"
    )
