"""Compose a draft: the team's header blocks, the translated title and body, the footer blocks.

Block templates live in ``BLOCKS_DIR/header`` and ``BLOCKS_DIR/footer``. They are loaded,
compiled and test-rendered once, when :class:`BlockTemplates` is built, so a broken template
stops the process at startup instead of failing jobs one by one. Their text is the team's own
words in the target language: compose never calls a translator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from html import escape
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import jinja2

from pipeline.document import Block, ExtractedArticle
from pipeline.drafts.render import render_blocks
from pipeline.drafts.sanitize import clean_html
from pipeline.errors import TemplateError
from pipeline.languages import normalize_tag, primary_subtag
from pipeline.translate.labels import is_model, model_label

Position = Literal["header", "footer"]
POSITIONS: tuple[Position, ...] = ("header", "footer")
SUFFIX = ".html.j2"
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class SourceInfo:
    """What a template may say about the original article (the ``article`` variable)."""

    title: str
    url: str  # canonical
    author: str = ""
    published: str | None = None  # ISO date, None when the page does not state the day
    site_name: str = ""
    source_lang: str = ""
    description: str = ""
    lead_image: str = ""

    @classmethod
    def of(cls, article: ExtractedArticle) -> SourceInfo:
        return cls(
            title=article.title, url=article.url, author=article.author,
            published=article.published, site_name=article.site_name,
            source_lang=article.source_lang, description=article.description,
            lead_image=article.lead_image,
        )


def plain_date(value: object) -> str:
    """``YYYY-MM-DD`` for a date, datetime or ISO string; "" for nothing; else the text as is."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return text


# Test-render contexts: one with every field filled, one with the metadata an extractor
# often misses left empty, so `{{ article.author }}` style slips surface at startup too.
_SAMPLE_NOW = datetime(2024, 1, 31, 12, 0, tzinfo=timezone.utc)
_SAMPLES = (
    SourceInfo(title="Sample title", url="https://example.org/news/sample",
               author="Sample Author", published="2024-01-30", site_name="Example News",
               source_lang="en", description="A sample.", lead_image="https://example.org/a.jpg"),
    SourceInfo(title="Sample title", url="https://example.org/news/sample"),
)


PROVIDER_LABELS = {
    "google": "Google Translate",
    "mymemory": "MyMemory",
    "libre": "LibreTranslate",
    "deepl": "DeepL",
    "microsoft": "Microsoft Translator",
    "apertium": "Apertium",
}


def provider_label(name: object, lang: str = "en") -> str:
    """The product name of a provider for readers (``deepl`` -> ``DeepL``); a language model
    is named with its model, in ``lang`` (see :mod:`pipeline.translate.labels`)."""
    text = str(name or "")
    if is_model(text):
        return model_label(text, lang)
    return PROVIDER_LABELS.get(text.lower(), text)


@jinja2.pass_context
def _provider_label_filter(context: jinja2.runtime.Context, name: object) -> str:
    """The ``provider_label`` filter: in the language of the template that uses it."""
    return provider_label(name, _template_lang(context.name or ""))


def _template_lang(template_name: str) -> str:
    stem = template_name.rsplit("/", 1)[-1].removesuffix(SUFFIX)
    base, _, lang = stem.rpartition(".")
    return lang if base and _LANG.match(lang) else "en"


SITE_KEYS = ("name", "url", "donate_url", "contact_url")
_SAMPLE_SITE = {"name": "Sample Site", "url": "https://site.example/",
                "donate_url": "https://site.example/donate",
                "contact_url": "https://site.example/contact"}


class Site(dict):
    """The team's site settings as templates see them (``site.name``, ``site.donate_url``).

    The four known keys are always there ("" when unset), so ``{% if site.donate_url %}``
    works on every install; any other key is what the TOML ``[site]`` table defines, and a
    misspelt one is a template error at startup (StrictUndefined), not a silent blank.
    """

    def __init__(self, values: Mapping[str, object] | None = None) -> None:
        super().__init__({key: "" for key in SITE_KEYS})
        for key, value in (values or {}).items():
            if value is not None:
                self[str(key)] = value


def _sample_contexts(target_lang: str, site: Site) -> list[dict[str, Any]]:
    # Every template is rendered with the configured site and with every known key filled,
    # so both branches of an `{% if site.donate_url %}` are tried before any run.
    sites = [site, Site({**_SAMPLE_SITE, **{k: v for k, v in site.items() if v}})]
    return [
        {"article": source, "translated_title": "Translated title", "target_lang": target_lang,
         "provider": "google", "now": _SAMPLE_NOW, "site": each}
        for source in _SAMPLES for each in sites
    ]


def _template_line(template: jinja2.Template, tb: TracebackType | None) -> int | None:
    # Jinja rewrites tracebacks so that frames of template code carry the template's line.
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == template.filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _error(name: str, reason: str, line: int | None = None) -> TemplateError:
    where = f" (line {line})" if line else ""
    return TemplateError(f"block template {name}: {reason}{where}")


@dataclass(frozen=True)
class BlockUse:
    """Which template file a draft's block came from, kept with the draft for the reviewer.

    ``variant_missing``: the target language has no ``NAME.LANG.html.j2``, so the default
    file (``template``) was used, or nothing when there is none (``template`` is "").
    ``rendered``: False when the template produced nothing (a donation block without a
    donation URL).
    """

    position: str
    block: str
    template: str
    target_lang: str
    variant_missing: bool
    rendered: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def file_to_add(self) -> str:
        """The variant file that would give this block the target language's text."""
        return f"{self.position}/{self.block}.{primary_subtag(self.target_lang)}{SUFFIX}"


@dataclass(frozen=True)
class _Block:
    """One block slot: a base template and its per-language variants, any of them optional."""

    name: str
    base: jinja2.Template | None
    variants: dict[str, jinja2.Template]

    def for_lang(self, lang: str) -> jinja2.Template | None:
        return self.variant(lang) or self.base

    def variant(self, lang: str) -> jinja2.Template | None:
        """The target language's own template (exact tag, then primary subtag), or None."""
        lang = normalize_tag(lang)
        return self.variants.get(lang) or self.variants.get(primary_subtag(lang))


class BlockTemplates:
    """The header and footer block templates of a blocks folder, compiled and checked."""

    def __init__(self, blocks_dir: Path | str, site: Mapping[str, object] | None = None) -> None:
        self.blocks_dir = Path(blocks_dir)
        self.site = Site(site)
        if not self.blocks_dir.is_dir():
            raise TemplateError(f"block templates folder {self.blocks_dir} does not exist")
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.blocks_dir)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self._env.filters["plain_date"] = plain_date
        self._env.filters["provider_label"] = _provider_label_filter
        self._blocks: dict[Position, list[_Block]] = {
            position: self._load(position) for position in POSITIONS
        }

    @classmethod
    def from_settings(cls, settings: Any) -> BlockTemplates:
        """The templates of ``settings.blocks_dir``, with the settings' site values."""
        site_values = getattr(settings, "site_values", None)
        return cls(settings.blocks_dir, site_values() if callable(site_values) else None)

    def _load(self, position: Position) -> list[_Block]:
        # A missing header/ or footer/ folder means "no blocks there"; only a missing
        # blocks folder is an error, since that is almost always a typo in the setting.
        folder = self.blocks_dir / position
        if not folder.is_dir():
            return []
        slots: dict[str, dict[str, jinja2.Template]] = {}
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or not path.name.endswith(SUFFIX) or not path.is_file():
                continue
            stem = path.name[: -len(SUFFIX)]
            name, _, lang = stem.rpartition(".")
            if not name or not _LANG.match(lang):
                name, lang = stem, ""
            relative = f"{position}/{path.name}"
            lang = normalize_tag(lang)
            slots.setdefault(name, {})[lang] = self._compile(relative, lang or "en")
        blocks = []
        for name in sorted(slots):
            variants = slots[name]
            base = variants.pop("", None)
            blocks.append(_Block(name=name, base=base, variants=variants))
        return blocks

    def _compile(self, relative: str, sample_lang: str) -> jinja2.Template:
        try:
            template = self._env.get_template(relative)
        except jinja2.TemplateSyntaxError as exc:
            raise _error(relative, exc.message or "syntax error", exc.lineno) from exc
        except (OSError, UnicodeDecodeError) as exc:  # TemplateNotFound is an OSError too
            raise _error(relative, f"cannot be read: {exc}") from exc
        for context in _sample_contexts(sample_lang, self.site):
            self._render_one(relative, template, context)
        return template

    def _render_one(self, name: str, template: jinja2.Template, context: dict[str, Any]) -> str:
        try:
            return template.render(context)
        except jinja2.TemplateSyntaxError as exc:  # e.g. an {% include %} of a broken file
            raise _error(name, exc.message or "syntax error", exc.lineno) from exc
        except jinja2.TemplateError as exc:
            raise _error(name, exc.message or type(exc).__name__,
                         _template_line(template, exc.__traceback__)) from exc
        except (TypeError, ValueError, AttributeError, LookupError, ArithmeticError) as exc:
            raise _error(name, f"{type(exc).__name__}: {exc}",
                         _template_line(template, exc.__traceback__)) from exc

    def blocks_at(self, position: Position) -> list[_Block]:
        """The blocks at ``position`` in file-name order, each with its language variants."""
        return list(self._blocks.get(position, []))

    def names(self, position: Position, target_lang: str) -> list[str]:
        """File names of the templates used at ``position`` for ``target_lang``, in order."""
        chosen = []
        for block in self._blocks[position]:
            template = block.for_lang(target_lang)
            if template is not None and template.name:
                chosen.append(template.name)
        return chosen

    def render(self, position: Position, context: dict[str, Any]) -> list[str]:
        """The HTML of each block at ``position``, in file-name order, for context's target_lang."""
        return [html for html, _use in self.render_used(position, context) if html]

    def render_used(self, position: Position,
                    context: dict[str, Any]) -> list[tuple[str, BlockUse]]:
        """Each block at ``position`` as (HTML, which file made it); HTML "" when none."""
        if position not in self._blocks:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}, not {position!r}")
        lang = str(context.get("target_lang", ""))
        context = {"site": self.site, **context}
        results = []
        for block in self._blocks[position]:
            own = block.variant(lang)
            template = own or block.base
            html = ""
            if template is not None:
                html = self._render_one(template.name or block.name, template, context).strip()
            use = BlockUse(position, block.name, template.name if template is not None else "",
                           lang, variant_missing=own is None, rendered=bool(html))
            results.append((html, use))
        return results

    def inventory(self) -> list[tuple[str, str, str | None, list[str]]]:
        """Every block as (position, name, default file or None, variant languages)."""
        return [(position, block.name, block.base.name if block.base else None,
                 sorted(block.variants))
                for position in POSITIONS for block in self._blocks[position]]

    def render_sample(self, position: Position, name: str,
                      lang: str) -> list[tuple[str, str]]:
        """The block ``name`` rendered for ``lang`` with each sample context, as
        (template file, HTML); raises TemplateError on a template that fails."""
        for block in self._blocks[position]:
            if block.name == name:
                template = block.for_lang(lang)
                if template is None:
                    return []
                return [(template.name or name, self._render_one(template.name or name,
                                                                 template, context).strip())
                        for context in _sample_contexts(lang, self.site)]
        raise KeyError(name)


def _section(position: str, blocks: list[str]) -> str:
    if not blocks:
        return ""
    inner = "\n".join(f'<section class="transdraft-block">{html}</section>' for html in blocks)
    return f'<{position} class="transdraft-{position}">\n{inner}\n</{position}>\n'


@dataclass(frozen=True)
class Composed:
    """A composed draft: its sanitized HTML and, per block template slot, what was used."""

    html: str
    block_uses: list[BlockUse]

    def block_language_checks(self) -> list[dict[str, Any]]:
        """A ``block_language`` reviewer warning per block without a target-language variant."""
        checks = []
        for use in self.block_uses:
            if not use.variant_missing or (use.template and not use.rendered):
                continue
            shown = (f"the default text ({use.template}) was used" if use.template
                     else "it was left out")
            checks.append({"kind": "block_language", "block": None,
                           "message": f"block {use.position}/{use.block} has no "
                                      f"{primary_subtag(use.target_lang)} variant: {shown}; "
                                      f"add {use.file_to_add} to the blocks folder"})
        return checks


def compose(
    article: ExtractedArticle,
    blocks: list[Block],
    translated_title: str,
    target_lang: str,
    provider: str,
    templates: BlockTemplates,
    now: datetime | None = None,
) -> str:
    """The sanitized draft HTML: header blocks, translated title and body, footer blocks.

    ``blocks`` are the (translated) body blocks; ``translated_title`` is plain text.
    """
    return compose_draft(article, blocks, translated_title, target_lang, provider, templates,
                         now).html


def compose_draft(
    article: ExtractedArticle,
    blocks: list[Block],
    translated_title: str,
    target_lang: str,
    provider: str,
    templates: BlockTemplates,
    now: datetime | None = None,
) -> Composed:
    """Like :func:`compose`, and also which template file made each block."""
    if now is None:
        now = datetime.now(timezone.utc)
    elif now.tzinfo is None:
        raise ValueError("compose needs an aware datetime for now")
    context: dict[str, Any] = {
        "article": SourceInfo.of(article),
        "translated_title": translated_title,
        "target_lang": target_lang,
        "provider": provider,
        "now": now,
    }
    header_used = templates.render_used("header", context)
    footer_used = templates.render_used("footer", context)
    header = _section("header", [html for html, _ in header_used if html])
    footer = _section("footer", [html for html, _ in footer_used if html])
    html = (
        f'<article lang="{escape(target_lang, quote=True)}">\n'
        f"{header}"
        f"<h1>{escape(translated_title)}</h1>\n"
        f"{render_blocks(blocks)}\n"
        f"{footer}"
        "</article>"
    )
    return Composed(clean_html(html), [use for _, use in header_used + footer_used])
