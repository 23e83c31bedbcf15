"""Latency of the review API and UI, with a throwaway PostgreSQL database of drafts.

Makes the database, bulk-inserts the articles and drafts, starts the app under uvicorn in a
separate process, and times requests from a client on loopback: the draft list API (first
page, a deep page, filtered by status), the draft page of a 300-block article in the
reviewer UI and the editor form of one of its blocks (fetched when it is opened). Then
Debian's chromium (through Playwright) loads that draft page again and again: the time from
the request to the page being interactive (every key and button of the reviewer script
works). Prints p50/p95 per case and drops the database.

The defaults are the measured run: 2,000 drafts seed in seconds, and the draft page and
chromium do not depend on how many drafts there are. The list API's deep pages do: give
--drafts 100000 for those (about a minute of seeding).

    python bench/review.py [--drafts 2000] [--requests 200] [--blocks 300] [--loads 20]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGETS_MS = {"list": 50.0, "page": 150.0, "search": 0.0, "fragment": 0.0,
              "interactive": 1000.0}
CHROMIUM = "/usr/bin/chromium"
SITES = ("Harbour Ledger", "Coast Weekly", "City Desk", "Rural Post", "The Tide")
WORDS = ("haven", "muur", "dijk", "storm", "getij", "zeespiegel", "gemeente", "subsidie",
         "ingenieur", "kust", "rivier", "brug", "sluis", "polder", "duin", "strand", "vloed",
         "eb", "golf", "wind", "regen", "droogte", "boer", "visser", "school", "markt",
         "haring", "veerboot", "tunnel", "station", "fiets", "tram", "energie", "zon",
         "batterij", "netwerk", "begroting", "raad", "wethouder", "burgemeester", "rechter",
         "museum", "archief", "festival", "koor", "orkest", "voetbal", "zeilen", "roeien",
         "zwemmen")


def _title(i: int) -> str:
    # Varied titles, so a search matches a realistic share of drafts (a few percent).
    picks = [WORDS[(i * k + k * k) % len(WORDS)] for k in (7, 13, 29)]
    return f"{picks[0].capitalize()} en {picks[1]}: {picks[2]} in verhaal {i}"


def _blocks(i: int, count: int, lang: str) -> list[dict]:
    word = "havenmuur" if lang == "nl" else "harbour wall"
    blocks: list[dict] = [{"kind": "heading", "level": 2, "html": f"Part {i} {word}"}]
    for n in range(count - 1):
        if n % 7 == 3:
            blocks.append({"kind": "figure", "src": f"https://img.example.org/{i}/{n}.jpg",
                           "alt": f"Image {n}", "caption": f"Caption {n} of {word}",
                           "credit": "© Agency"})
        else:
            blocks.append({"kind": "paragraph", "html": (
                f'Paragraph {n} about the {word} with <a href="https://example.org/{i}/{n}">a '
                f"link</a> and <em>emphasis</em>, rising water by 2060 and 18.7 km. ") * 3})
    return blocks


def seed(url: str, drafts: int, big_blocks: int = 300) -> int:
    """Insert ``drafts`` articles and drafts; returns the id of one realistic, long draft."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from config.settings import SHIPPED_BLOCKS_DIR
    from pipeline.db.models import Article, AuditEvent, Draft, Revision, utcnow
    from pipeline.db.session import get_engine, upgrade
    from pipeline.document import Block
    from pipeline.drafts.articles import load_extracted
    from pipeline.drafts.compose import BlockTemplates, compose
    from pipeline.vocabulary import DraftStatus

    upgrade(url)
    engine = get_engine(url)
    templates = BlockTemplates(SHIPPED_BLOCKS_DIR)
    now = utcnow()
    small_source = _blocks(0, 4, "en")
    small_translated = _blocks(0, 4, "nl")
    chunk = 5000
    with engine.begin() as connection:
        for start in range(0, drafts, chunk):
            articles, rows = [], []
            for i in range(start, min(start + chunk, drafts)):
                created = now - timedelta(minutes=drafts - i)
                articles.append({
                    "id": i + 1, "canonical_url": f"https://news{i % 50}.example.org/story/{i}",
                    "content_hash": f"{i:064x}", "title": f"Story {i} about the harbour wall",
                    "author": "Jane Doe", "published": "2025-03-01", "site_name": SITES[i % 5],
                    "source_lang": "en", "lead_image": "",
                    "structure": {"url": f"https://news{i % 50}.example.org/story/{i}",
                                  "title": f"Story {i}", "blocks": small_source, "author": "",
                                  "published": "", "site_name": SITES[i % 5],
                                  "source_lang": "en", "lead_image": "", "description": ""},
                    "fetched_at": created, "created_at": created, "updated_at": created})
                rows.append({
                    "id": i + 1, "article_id": i + 1, "target_lang": "nl" if i % 4 else "es",
                    "source_lang": "en", "title": _title(i),
                    "blocks": small_translated, "html": "<article><p>kort</p></article>",
                    "provider": "google",
                    "checks": [{"kind": "numbers", "block": 1, "message": "18.7 vs 18,7"}]
                    if i % 3 == 0 else [],
                    "status": DraftStatus.pending_review if i % 10 < 6
                    else (DraftStatus.approved, DraftStatus.rejected)[i % 2],
                    "revision": 1, "source_hash": f"{i:064x}", "created_at": created,
                    "updated_at": created})
            connection.execute(insert(Article), articles)
            connection.execute(insert(Draft), rows)
        # Keep the sequences ahead of the explicit ids.
        for table in ("articles", "drafts"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        # One long draft, composed for real, with a history, for the draft page.
        big_id = drafts // 2
        source = _blocks(big_id, big_blocks, "en")
        translated = _blocks(big_id, big_blocks, "nl")
        article = connection.execute(select(Article).where(Article.id == big_id)).one()
        structure = dict(article.structure, blocks=source)
        connection.execute(Article.__table__.update().where(Article.id == big_id)
                           .values(structure=structure))
        extracted = load_extracted(type("A", (), {"structure": structure})())
        html = compose(extracted, [Block.from_dict(b) for b in translated], "De havenmuur",
                       "nl", "google", templates)
        connection.execute(Draft.__table__.update().where(Draft.id == big_id).values(
            blocks=translated, html=html, revision=3, status="pending_review",
            checks=[{"kind": "numbers", "block": n, "message": "18.7 in the source"}
                    for n in range(1, big_blocks, 5)]))
        changed = [dict(b) for b in translated]
        for n in range(2, big_blocks, 25):  # some edited blocks, for the word-level history
            if "html" in changed[n]:
                changed[n]["html"] = changed[n]["html"].replace("2060", "2061", 1)
        for number in (1, 2, 3):
            connection.execute(insert(Revision).values(
                draft_id=big_id, number=number, title="De havenmuur",
                blocks=translated if number < 3 else changed,
                html=html, author="bench", note="edited", created_at=now))
            connection.execute(insert(AuditEvent).values(
                draft_id=big_id, actor="bench", action="edited" if number > 1 else "created",
                detail={"revision": number}, created_at=now))
    # As autovacuum would have by now: statistics and the visibility map (index-only scans).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return big_id


def make_token(url: str) -> str:
    from pipeline.accounts import users as accounts
    from pipeline.db.session import session_scope

    with session_scope(url) as session:
        user = accounts.create_user(session, f"bench-{uuid.uuid4().hex[:6]}", "reviewer")
        return accounts.create_token(session, user, "bench").secret


def _serve(url: str, port: int) -> None:
    import logging

    import uvicorn

    from config.settings import Settings
    from web.app import create_app

    logging.disable(logging.WARNING)
    uvicorn.run(create_app(Settings(database_url=url)), host="127.0.0.1", port=port,
                log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(base: str, token: str, cases: list[tuple[str, str, str]], requests: int
            ) -> list[tuple[str, str, float, float, float]]:
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
    results = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for name, kind, path in cases:
            for _ in range(10):  # warm-up: connections, caches, plans
                client.get(path).raise_for_status()
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            timings.sort()
            p50 = statistics.median(timings)
            p95 = timings[int(len(timings) * 0.95) - 1]
            results.append((name, path, p50, p95, TARGETS_MS[kind]))
            print(f"  {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    return results


def interactive(base: str, token: str, path: str, loads: int) -> tuple[float, float] | None:
    """p50/p95 of request-to-interactive of ``path`` in chromium; None without chromium."""
    if not Path(CHROMIUM).exists():
        print(f"  {CHROMIUM} is missing: request-to-interactive not measured", flush=True)
        return None
    from playwright.sync_api import sync_playwright

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      extra_http_headers={"Authorization": f"Bearer {token}"})
        page = context.new_page()
        for attempt in range(loads + 3):  # three warm-up loads: caches, static files
            page.goto(base + path, wait_until="domcontentloaded")
            page.wait_for_selector("body[data-review-ready]")
            # Both times are relative to the navigation's start, i.e. the request.
            ready = page.evaluate("() => performance.getEntriesByName('review-ready')[0]"
                                  ".startTime - performance.getEntriesByType('navigation')[0]"
                                  ".startTime")
            if attempt >= 3:
                timings.append(ready)
        browser.close()
    timings.sort()
    p50, p95 = statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]
    print(f"  request to interactive: p50 {p50:.0f} ms, p95 {p95:.0f} ms", flush=True)
    return p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--blocks", type=int, default=300, help="blocks of the long draft")
    parser.add_argument("--loads", type=int, default=20, help="chromium loads of its page")
    parser.add_argument("--pg", default=os.environ.get(
        "TRANSDRAFT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    name = f"transdraft_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.pg.rsplit("/", 1)[0] + f"/{name}"
    server = None
    try:
        started = time.perf_counter()
        big_id = seed(url, args.drafts, args.blocks)
        token = make_token(url)
        print(f"seeded {args.drafts} drafts in {time.perf_counter() - started:.1f} s", flush=True)
        port = _free_port()
        server = multiprocessing.get_context("spawn").Process(target=_serve, args=(url, port),
                                                               daemon=True)
        server.start()
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
        deep = max(1, args.drafts // 25 - 10)
        cases = [
            ("list API, first page", "list", "/api/drafts"),
            (f"list API, page {deep}", "list", f"/api/drafts?page={deep}"),
            ("list API, status=approved", "list", "/api/drafts?status=approved"),
            ("list API, status=approved, deep", "list", f"/api/drafts?status=approved&page={deep // 5}"),
            ("list API, title search (q=veerboot)", "search", "/api/drafts?q=veerboot"),
            (f"draft page (UI), {args.blocks} blocks", "page", f"/drafts/{big_id}"),
            ("a block's editor form (fragment)", "fragment",
             f"/drafts/{big_id}/blocks/{args.blocks // 2}/editor?revision=3&fragment=1"),
        ]
        results = measure(f"http://127.0.0.1:{port}", token, cases, args.requests)
        ready = interactive(f"http://127.0.0.1:{port}", token, f"/drafts/{big_id}", args.loads)
        if ready is not None:
            results.append(("draft page in chromium, to interactive", "", *ready,
                            TARGETS_MS["interactive"]))
    finally:
        if server is not None:
            server.terminate()
            server.join(5)
        from pipeline.db.session import get_engine

        get_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    print(f"\n{args.drafts} drafts, PostgreSQL, {args.requests} sequential requests each, "
          "loopback, one uvicorn worker\n")
    print(f"| {'case':<36} | {'p50 ms':>7} | {'p95 ms':>7} | {'target p95':>10} | ok  |")
    print(f"|{'-' * 38}|{'-' * 9}|{'-' * 9}|{'-' * 12}|-----|")
    for name, _path, p50, p95, target in results:
        goal = f"< {int(target)}" if target else "-"
        verdict = ("yes" if p95 < target else "NO") if target else "-"
        print(f"| {name:<36} | {p50:7.1f} | {p95:7.1f} | {goal:>10} | {verdict:<3} |")


if __name__ == "__main__":
    main()
