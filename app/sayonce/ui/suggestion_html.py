"""One reviewed suggestion as HTML for the detail pane: decision, reasons, the conversation."""

from __future__ import annotations

from html import escape

from sayonce.review.detail import SuggestionDetail
from sayonce.ui.review_models import STATUS_TEXT, when
from sayonce.ui.themes import Theme

SPEAKERS = {"customer": "Customer", "agent": "Agent", "bot": "Bot", "system": "System"}


def _facts(detail: SuggestionDetail, theme: Theme) -> str:
    row = detail.row
    pairs = [
        ("Decision", STATUS_TEXT.get(row.status, row.status)),
        ("Agent", row.agent_name or "—"),
        ("Customer", f"{row.customer_ref} · {row.segment or 'no segment'}"),
        ("Score", f"{row.score:.2f}"),
        ("Risk", row.risk),
        ("Outcome", row.outcome or "not known yet"),
    ]
    muted = theme.tokens["muted"]
    cells = "".join(
        f"<td style='padding:0 18px 6px 0'><span style='color:{muted}'>{escape(k)}</span><br>"
        f"<b>{escape(v)}</b></td>"
        for k, v in pairs
    )
    return f"<table cellspacing='0'><tr>{cells}</tr></table>"


def _reasons(detail: SuggestionDetail, theme: Theme) -> str:
    if not detail.reasons:
        return f"<p style='color:{theme.tokens['muted']}'>No reasons were recorded.</p>"
    items = []
    for reason in detail.reasons:
        text = str(reason.get("text", ""))
        weight = reason.get("weight")
        tail = ""
        if isinstance(weight, int | float) and f"{weight:.2f}" not in text:
            tail = f" <span style='color:{theme.tokens['muted']}'>({weight:.2f})</span>"
        items.append(f"<li>{escape(text)}{tail}</li>")
    return "<ul style='margin-top:2px'>" + "".join(items) + "</ul>"


def _decision(detail: SuggestionDetail, theme: Theme) -> str:
    lines = []
    if detail.row.decision_reason:
        lines.append(f"Reason given: “{escape(detail.row.decision_reason)}”")
    if detail.decided_by:
        lines.append(f"Decided by {escape(detail.decided_by)} at {when(detail.approved_at)}")
    if detail.row.verdict:
        who = f" by {escape(detail.reviewed_by)}" if detail.reviewed_by else ""
        comment = f": “{escape(detail.review_comment)}”" if detail.review_comment else ""
        lines.append(f"Review{who}: <b>{escape(detail.row.verdict)}</b>{comment}")
    if not lines:
        return ""
    return f"<p style='color:{theme.tokens['text']}'>" + "<br>".join(lines) + "</p>"


def _conversation(detail: SuggestionDetail, theme: Theme) -> str:
    if not detail.conversation:
        return f"<p style='color:{theme.tokens['muted']}'>The conversation was not stored.</p>"
    rows = []
    marked = False
    for line in detail.conversation:
        if not line.before and not marked:
            marked = True
            rows.append(
                f"<tr><td colspan='2' style='padding:6px 0; color:{theme.tokens['accent']}'>"
                f"<b>▲ suggestion shown here</b></td></tr>"
            )
        color = theme.tokens["accent"] if line.speaker == "agent" else theme.tokens["text"]
        who = SPEAKERS.get(line.speaker, line.speaker.capitalize())
        rows.append(
            f"<tr><td valign='top' width='90' style='padding:3px 12px 3px 0; color:{color}'>"
            f"<b>{who}</b></td><td style='padding:3px 0'>{escape(line.text)}</td></tr>"
        )
    return "<table cellspacing='0'>" + "".join(rows) + "</table>"


def suggestion_html(detail: SuggestionDetail, theme: Theme) -> str:
    """The whole detail pane."""
    head = theme.tokens["muted"]
    title = escape(detail.row.action_id.replace("-", " ").capitalize())
    step = f" — step {escape(detail.row.step_id)}" if detail.row.step_id else ""
    return (
        f"<h3 style='margin:0'>{title}{step}</h3>"
        f"<p style='color:{head}; margin-top:2px'>Shown {when(detail.row.shown_at)} "
        f"in call {escape(detail.row.call_id)}</p>"
        f"{_facts(detail, theme)}{_decision(detail, theme)}"
        f"<h4 style='margin-bottom:0'>Why it was suggested</h4>{_reasons(detail, theme)}"
        f"<h4 style='margin-bottom:4px'>The conversation around it</h4>"
        f"{_conversation(detail, theme)}"
    )
