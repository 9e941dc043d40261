"""``sayonce search`` (full-text or semantic, in one customer's history) and ``sayonce embed``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sayonce.cli.common import add_db_option, open_from_args, record_view, viewed_cluster
from sayonce.cli.sign_in import add_signin_options, principal_from_args


def register(sub: Any) -> None:
    """Add the ``search`` and ``embed`` subcommands."""
    search = sub.add_parser(
        "search",
        help="search one customer's history: by words, or by meaning with --semantic",
        description="Full-text by default: every word must appear (as a prefix), newest "
        "first, over interactions, notes, cases and the rest of the timeline. With --semantic, "
        "interactions are ranked by their sentence closest in meaning to the query (and those "
        "that also contain every word rank higher); vectors the customer lacks are computed "
        "first and kept. The query is redacted before it is used and never logged. Audited as "
        "a profile view.",
    )
    search.add_argument("query", metavar="QUERY", help="what to look for")
    search.add_argument("--customer", metavar="REF", required=True, help="reference or id")
    search.add_argument(
        "--semantic", action="store_true", help="rank by meaning (local MiniLM model)"
    )
    search.add_argument(
        "--no-hybrid",
        dest="hybrid",
        action="store_false",
        help="with --semantic: rank by meaning alone, no boost for full-text matches",
    )
    search.add_argument("--limit", type=int, default=20, metavar="N", help="hits (default 20)")
    search.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_db_option(search)
    add_signin_options(search)
    search.set_defaults(func=_search)

    embed = sub.add_parser(
        "embed",
        help="compute the semantic-search vectors that are missing (all customers or one)",
        description="Semantic search computes a customer's vectors the first time it is "
        "used; this does it ahead of time, in batches on every core, for interactions whose "
        "vectors are missing or stale (text changed, other model). Each batch is committed on "
        "its own, so it can be stopped and run again.",
    )
    add_db_option(embed)
    embed.add_argument("--customer", metavar="REF", help="only this customer (and merged profiles)")
    embed.add_argument(
        "--limit", type=int, metavar="N", help="embed at most N interactions this run"
    )
    embed.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    embed.set_defaults(func=_embed)


def _search(args: argparse.Namespace) -> int:
    store = open_from_args(args)
    try:
        principal = principal_from_args(args, store)
        cluster = viewed_cluster(store, principal, args.customer)
        payload = _semantic(store, principal, cluster, args) if args.semantic else None
        if payload is None:
            payload = _fulltext(store, cluster, args)
        record_view(store, principal, cluster, {"via": "cli.search", "mode": payload["mode"]})
    except (PermissionError, LookupError, ValueError, OSError) as exc:
        print(f"sayonce search: {exc}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    payload["customer"] = args.customer
    if args.json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(_render(payload))
    return 0


def _semantic(
    store: Any, principal: Any, cluster: list[int], args: argparse.Namespace
) -> dict[str, Any]:
    from sayonce.history.semantic import semantic_search
    from sayonce.nlp.embeddings import get_encoder

    results = semantic_search(
        store, principal, cluster, args.query, get_encoder(), max(0, args.limit),
        hybrid=args.hybrid,
    )  # fmt: skip
    return {
        "mode": "semantic" if not args.hybrid else "hybrid",
        "searched": results.searched,
        "embedded": results.embedded,
        "hits": [hit.to_dict() for hit in results.hits],
    }


def _fulltext(store: Any, cluster: list[int], args: argparse.Namespace) -> dict[str, Any]:
    from sayonce.history import timeline
    from sayonce.history.items import TimelineFilter
    from sayonce.privacy.redact import redact

    with store.read() as session:
        page = timeline.page(
            session,
            cluster,
            flt=TimelineFilter(text=redact(args.query)),
            limit=max(1, args.limit),
        )
    items = page.items[: max(0, args.limit)]
    return {
        "mode": "fulltext",
        "hits": [
            {
                "kind": item.kind,
                "id": item.id,
                "at": item.at.isoformat(),
                "channel": item.channel,
                "title": item.title,
                "snippet": item.snippet,
            }
            for item in items
        ],
    }


def _render(payload: dict[str, Any]) -> str:
    hits = payload["hits"]
    head = f"{len(hits)} hit{'s' if len(hits) != 1 else ''} in {payload['customer']}"
    if payload["mode"] == "fulltext":
        lines = [f"{head} (full-text, newest first)"]
        lines += [
            f"  {h['at'][:10]}  {h['channel']:<8} {h['kind']} {h['id']}  {h['title']}: "
            f"{h['snippet']}"
            for h in hits
        ]
        return "\n".join(lines)
    lines = [
        f"{head} ({payload['mode']}, {payload['searched']} interactions searched, "
        f"{payload['embedded']} embedded now)"
    ]
    for h in hits:
        who = f"{h['speaker'].capitalize()}: " if h["speaker"] else ""
        words = " +words" if h["fulltext"] else ""
        lines.append(
            f"  {h['score']:.2f}{words:<7} {h['started_at'][:10]}  {h['channel']:<8} "
            f"interaction {h['interaction_id']}  {who}{h['snippet']}"
        )
    return "\n".join(lines)


def _embed(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sayonce.history.semantic import count_interactions, embed_missing
    from sayonce.nlp.embeddings import get_encoder
    from sayonce.trust.person import find_customer_id, person_ids

    if args.limit is not None and args.limit < 0:
        print("sayonce embed: --limit must be 0 or more", file=sys.stderr)
        return 2
    store = open_from_args(args)
    try:
        scope = None
        if args.customer:
            with store.read() as session:
                scope = person_ids(session, find_customer_id(session, args.customer))
        total = count_interactions(store, scope)
        encoder = get_encoder()
        bar = tqdm(
            total=total, unit=" interactions", disable=args.quiet, file=sys.stderr, leave=False
        )

        def progress(scanned: int, embedded: int) -> None:
            bar.update(scanned - bar.n)
            bar.set_postfix(embedded=embedded, refresh=False)

        try:
            report = embed_missing(store, encoder, customer_ids=scope, limit=args.limit,
                                   progress=progress)  # fmt: skip
        finally:
            bar.close()
    except LookupError as exc:
        print(f"sayonce embed: {exc}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    print(
        f"embedded {report.embedded:,} interactions ({report.sentences:,} sentences) in "
        f"{report.seconds:.1f} s, {report.rate:.0f} interactions/s; "
        f"{report.scanned:,} of {total:,} looked at"
    )
    return 0
