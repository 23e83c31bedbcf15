"""A small news site for tests: articles whose paragraphs a test can change between fetches."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from tests.stubs.server import Request, Response, Route

PARAGRAPHS = (
    "The harbour council met on Tuesday evening to discuss the new floodwall, which will "
    "rise two metres above the old one and cost 18.7 million euros.",
    "Residents of Quay Street asked whether the salt marsh to the north would be finished "
    "before the winter storms, and the engineers said the work was on schedule.",
    "According to the <a href=\"https://example.org/report.pdf\">council's report</a>, the "
    "marsh absorbed roughly a third of the surge during a smaller storm last autumn.",
    "Farmers who gave up land received compensation and, in several cases, new jobs managing "
    "the fishponds, which now produce <em>mullet and oysters</em> for local restaurants.",
    "The council will publish its next flood review in September 2025, and residents can "
    "comment on the draft until the end of June.",
    "A petition against the plan gathered 612 signatures last summer, but the mayor said the "
    "council would not change course after eighteen months of public meetings.",
)

OTHER_PARAGRAPHS = (
    "Fishermen in the northern villages have started to land their catch at the new pier, "
    "which opened in March after two years of delays and a long dispute over its design.",
    "The regional government has set aside money for two similar projects further along the "
    "coast, where the dunes are thinner and the villages lie below the level of the sea.",
    "Teachers at the primary school now take their pupils to the marsh every month to count "
    "birds, measure the water and learn how the tides shape the land around their homes.",
    "Visitors from four countries have come to see the works, and the local hotel says it "
    "has never had so many guests in the quiet months between November and February.",
)


def article_page(title: str, paragraphs: list[str] | tuple[str, ...]) -> str:
    """An article page as a news site serves it: some chrome around the main text."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | The Harbour Ledger</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="The Harbour Ledger">
</head><body>
<nav><a href="/">Home</a> <a href="/climate">Climate</a></nav>
<article><h1>{html.escape(title)}</h1>
<p class="byline">By Jane Doe</p>
{body}
</article>
<footer><p>© 2025 The Harbour Ledger.</p></footer>
</body></html>"""


@dataclass
class NewsSite:
    """Routes serving ``pages`` (path -> (title, paragraphs)); change them mid-test."""

    pages: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def routes(self) -> Route:
        def serve(request: Request) -> Response:
            page = self.pages.get(request.path)
            if page is None:
                return Response(404, "not found")
            return Response(200, article_page(*page))
        return serve
