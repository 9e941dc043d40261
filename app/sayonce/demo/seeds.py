"""The demo's seed data (names, cities, products, storylines), read once from resources/demo."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sayonce.config import resources_dir

# libyaml's loader when PyYAML was built with it: the storylines file is large
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SeedError(RuntimeError):
    """A demo seed file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class City:
    """Where a customer lives, and the phone area codes there."""

    city: str
    country: str
    area: tuple[str, ...]
    postcode: str
    weight: float


@dataclass(frozen=True, slots=True)
class Segment:
    """A persona: how many orders such customers place and what they are worth."""

    segment: str
    weight: float
    orders: float  # a year
    value: float  # basket size multiplier
    potential: float  # untapped potential, 0..1
    channel: str


@dataclass(frozen=True, slots=True)
class Product:
    """One item in the catalog."""

    sku: str
    name: str
    price: float


@dataclass(frozen=True, slots=True)
class Campaign:
    """A marketing campaign and the share of consenting customers it reaches."""

    name: str
    channel: str
    date: str  # MM-DD, sent every year
    reach: float
    segments: tuple[str, ...] = ()  # empty: every segment


@dataclass(frozen=True, slots=True)
class People:
    """Seeds for customers and agents."""

    given: dict[str, tuple[str, ...]]  # name -> nicknames and misspellings
    family: tuple[str, ...]
    cities: tuple[City, ...]
    languages: tuple[tuple[str, float], ...]
    email_domains: tuple[str, ...]
    work_domains: tuple[str, ...]
    networks: tuple[str, ...]
    segments: tuple[Segment, ...]
    tiers: tuple[tuple[str, float], ...]
    agents: tuple[dict[str, str], ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    """Seeds for orders, stores, campaigns and web visits."""

    company: str
    products: tuple[Product, ...]
    stores: tuple[str, ...]
    campaigns: tuple[Campaign, ...]
    web_pages: dict[str, tuple[str, ...]]
    app_events: tuple[str, ...]


def demo_dir() -> Path:
    """The folder holding the demo seed files."""
    return resources_dir() / "demo"


def read_yaml(name: str) -> dict[str, Any]:
    """One seed file as a mapping, or :class:`SeedError` naming the file."""
    path = demo_dir() / name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"Cannot read the demo seed file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SeedError(f"The demo seed file {path} must hold a mapping")
    return data


@functools.cache
def people() -> People:
    """Names, cities, segments, tiers and agents (cached)."""
    d = read_yaml("people.yaml")
    return People(
        given={name: tuple(alts or ()) for name, alts in d["given_names"].items()},
        family=tuple(d["family_names"]),
        cities=tuple(
            City(c["city"], c["country"], tuple(c["area"]), c["postcode"], c["weight"])
            for c in d["cities"]
        ),
        languages=tuple((code, share) for code, share in d["languages"]),
        email_domains=tuple(d["email_domains"]),
        work_domains=tuple(d["work_email_domains"]),
        networks=tuple(d["social_networks"]),
        segments=tuple(Segment(**s) for s in d["segments"]),
        tiers=tuple((name, floor) for name, floor in d["tiers"]),
        agents=tuple(d["agents"]),
        notes=tuple(d["notes"]),
    )


@functools.cache
def catalog() -> Catalog:
    """Products, stores, campaigns and web pages (cached)."""
    d = read_yaml("catalog.yaml")
    return Catalog(
        company=d["company"],
        products=tuple(Product(p["sku"], p["name"], float(p["price"])) for p in d["products"]),
        stores=tuple(d["stores"]),
        campaigns=tuple(
            Campaign(**{**c, "segments": tuple(c.get("segments", ()))}) for c in d["campaigns"]
        ),
        web_pages={k: tuple(v) for k, v in d["web_pages"].items()},
        app_events=tuple(d["app_events"]),
    )
