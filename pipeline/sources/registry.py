"""The sources an operator registered: add, find, remove, and each with its latest run."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import pipeline.sources.schedule as schedules
from pipeline.db.models import Source, SourceRun
from pipeline.errors import InvalidSource
from pipeline.fetch import canonicalize, check_url
from pipeline.fetch.urls import host_and_port
from pipeline.vocabulary import SourceKind

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")


def add_source(session: Session, url: str, kind: SourceKind | str, target_lang: str,
               name: str | None = None, schedule: str = schedules.DEFAULT,
               enabled: bool = True) -> Source:
    """Register a source; :class:`InvalidSource` (or :class:`InvalidURL`) says what is wrong.

    The name defaults to the URL's host (without ``www.``), made unique with ``-2``, ``-3``...
    A source with the same URL and target language may exist only once.
    """
    canonical = canonicalize(check_url(url))
    kind = SourceKind(kind)
    target_lang = target_lang.strip().lower()
    if not target_lang:
        raise InvalidSource("invalid target language: empty")
    schedule = schedules.normalize(schedule)
    twin = session.scalar(select(Source).where(Source.url == canonical,
                                               Source.target_lang == target_lang))
    if twin is not None:
        raise InvalidSource(f"source {twin.name!r} already reads {canonical} into {target_lang}")
    if name is None:
        name = _free_name(session, _host_name(canonical))
    elif not NAME.match(name):
        raise InvalidSource(f"invalid name {name!r}: use letters, digits and . _ : - "
                            "(at most 100, starting with a letter or digit)")
    elif find_source(session, name) is not None:
        raise InvalidSource(f"a source named {name!r} exists already")
    source = Source(name=name, url=canonical, kind=kind, target_lang=target_lang,
                    schedule=schedule, enabled=enabled)
    session.add(source)
    session.flush()
    return source


def find_source(session: Session, name: str) -> Source | None:
    return session.scalar(select(Source).where(Source.name == name))


def get_source(session: Session, name: str) -> Source:
    """The source called ``name``; :class:`InvalidSource` when there is none."""
    source = find_source(session, name)
    if source is None:
        raise InvalidSource(f"no source named {name!r}")
    return source


def remove_source(session: Session, name: str) -> None:
    """Forget a source, its runs and the articles it listed (their jobs and drafts stay)."""
    session.delete(get_source(session, name))
    session.flush()


def sources_with_last_run(session: Session) -> list[tuple[Source, SourceRun | None]]:
    """Every source by name, with its most recent run (None before the first)."""
    latest = (select(SourceRun.source_id, func.max(SourceRun.id).label("run_id"))
              .group_by(SourceRun.source_id).subquery())
    rows = session.execute(
        select(Source, SourceRun)
        .outerjoin(latest, latest.c.source_id == Source.id)
        .outerjoin(SourceRun, SourceRun.id == latest.c.run_id)
        .order_by(Source.name)
    ).all()
    return [(source, run) for source, run in rows]


def _host_name(canonical_url: str) -> str:
    host, _port = host_and_port(canonical_url)
    host = host.removeprefix("www.")
    name = re.sub(r"[^A-Za-z0-9._:-]", "-", host)[:90]
    return name if NAME.match(name) else "source"


def _free_name(session: Session, base: str) -> str:
    taken = set(session.scalars(select(Source.name).where(Source.name.startswith(base))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
