"""Compose a draft: the team's header blocks, the translated title and body, the footer blocks.

Block templates live in ``BLOCKS_DIR/header`` and ``BLOCKS_DIR/footer``. They are loaded,
compiled and test-rendered once, when :class:`BlockTemplates` is built, so a broken template
stops the process at startup instead of failing jobs one by one. Their text is the team's own
words in the target language: compose never calls a translator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from html import escape
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import jinja2

from pipeline.document import Block, ExtractedArticle
from pipeline.errors import TemplateError
from pipeline.render import render_blocks
from pipeline.sanitize import clean_html
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
    published: str = ""  # ISO date, or "" when unknown
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


def _sample_contexts(target_lang: str) -> list[dict[str, Any]]:
    return [
        {"article": source, "translated_title": "Translated title", "target_lang": target_lang,
         "provider": "google", "now": _SAMPLE_NOW}
        for source in _SAMPLES
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
class _Block:
    """One block slot: a base template and its per-language variants, any of them optional."""

    name: str
    base: jinja2.Template | None
    variants: dict[str, jinja2.Template]

    def for_lang(self, lang: str) -> jinja2.Template | None:
        lang = lang.lower().replace("_", "-")
        primary = lang.split("-")[0]
        return self.variants.get(lang) or self.variants.get(primary) or self.base


class BlockTemplates:
    """The header and footer block templates of a blocks folder, compiled and checked."""

    def __init__(self, blocks_dir: Path | str) -> None:
        self.blocks_dir = Path(blocks_dir)
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
        """The templates of ``settings.blocks_dir``."""
        return cls(settings.blocks_dir)

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
            lang = lang.lower().replace("_", "-")
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
        for context in _sample_contexts(sample_lang):
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
        if position not in self._blocks:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}, not {position!r}")
        lang = str(context.get("target_lang", ""))
        rendered = []
        for block in self._blocks[position]:
            template = block.for_lang(lang)
            if template is None:
                continue
            html = self._render_one(template.name or block.name, template, context).strip()
            if html:
                rendered.append(html)
        return rendered


def _section(position: str, blocks: list[str]) -> str:
    if not blocks:
        return ""
    inner = "\n".join(f'<section class="transdraft-block">{html}</section>' for html in blocks)
    return f'<{position} class="transdraft-{position}">\n{inner}\n</{position}>\n'


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
    header = _section("header", templates.render("header", context))
    footer = _section("footer", templates.render("footer", context))
    html = (
        f'<article lang="{escape(target_lang, quote=True)}">\n'
        f"{header}"
        f"<h1>{escape(translated_title)}</h1>\n"
        f"{render_blocks(blocks)}\n"
        f"{footer}"
        "</article>"
    )
    return clean_html(html)
