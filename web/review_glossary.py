"""The glossary as the web app sees it: loaded once, used to check reviewer edits."""

from __future__ import annotations

from fastapi import Request

from pipeline.translate.glossary import Glossary, Term


def glossary_terms(request: Request, lang: str) -> list[Term]:
    """The glossary's terms for ``lang``, loaded once per app, so edits are checked like
    translations are."""
    glossary = getattr(request.app.state, "review_glossary", None)
    if glossary is None:
        path = request.app.state.settings.glossary_file
        glossary = Glossary.load(path) if path else Glossary.empty()
        request.app.state.review_glossary = glossary
    return glossary.for_target(lang)
