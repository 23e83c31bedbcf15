"""A stub news site of generated articles on 127.0.0.1, for queue and worker tests.

``/news/N`` is article N: a title, a byline and a few paragraphs of text unique to N, so each
URL is its own article (no ``rel=canonical`` pointing elsewhere).
"""

from __future__ import annotations

import threading

from tests.stubs.server import Request, Response, StubServer

WORDS = ("harbour council river bridge school budget energy farmers market library museum "
         "railway clinic forest coast festival survey report workers water housing").split()


def article_html(n: int) -> str:
    """The page of article ``n``."""
    def sentence(k: int) -> str:
        picked = [WORDS[(n * 7 + k * 3 + i) % len(WORDS)] for i in range(9)]
        return (f"The {picked[0]} of district {n} met the {picked[1]} on day {k}, and "
                f"{' '.join(picked[2:])} were discussed at length by everyone present.")

    paragraphs = "\n".join(
        f"<p>{sentence(k)} {sentence(k + 10)} {sentence(k + 20)}</p>" for k in range(5))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Story {n}: the {WORDS[n % len(WORDS)]} plan</title>
<meta name="author" content="Sam Writer"></head>
<body><nav><a href="/">Home</a></nav>
<article><h1>Story {n}: the {WORDS[n % len(WORDS)]} plan</h1>
<p class="byline">By Sam Writer</p>
{paragraphs}
</article><footer>Stub Gazette</footer></body></html>"""


class ArticleSite:
    """Serve articles ``/news/0`` .. ``/news/{count-1}``; counts requests per path."""

    def __init__(self, count: int, delay: float = 0.0) -> None:
        self.count = count
        self.delay = delay
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self.server = StubServer(self._route)

    def _route(self, request: Request) -> Response:
        with self._lock:
            self.hits[request.path] = self.hits.get(request.path, 0) + 1
        parts = request.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "news" and parts[1].isdigit() \
                and int(parts[1]) < self.count:
            return Response(200, article_html(int(parts[1])), delay=self.delay)
        return Response(404, "not found")

    def urls(self) -> list[str]:
        return [self.server.url(f"/news/{n}") for n in range(self.count)]

    def __enter__(self) -> ArticleSite:
        self.server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)
