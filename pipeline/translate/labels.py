"""How a draft's reader is told which language model translated it.

Block templates say "machine-translated with {{ provider | provider_label }}"; for a model
that reads "the language model qwen2.5-7b-instruct", in the language of the template that
says it (a Dutch block gets "het taalmodel ...").
"""

from __future__ import annotations

from pipeline.languages import primary_subtag

LLM_PREFIX = "llm:"
_MODEL_PHRASES = {
    "en": "the language model {model}",
    "nl": "het taalmodel {model}",
    "es": "el modelo de lenguaje {model}",
    "fr": "le modèle de langage {model}",
    "de": "das Sprachmodell {model}",
}
_ANY_MODEL = {"en": "a language model", "nl": "een taalmodel", "es": "un modelo de lenguaje",
              "fr": "un modèle de langage", "de": "ein Sprachmodell"}


def is_model(provider: str) -> bool:
    """``llm`` or ``llm:MODEL``: what the ``llm`` provider's drafts name as their provider."""
    text = provider.strip().lower()
    return text == "llm" or text.startswith(LLM_PREFIX)


def model_label(provider: str, lang: str = "en") -> str:
    """``"llm:qwen2.5-7b-instruct"`` -> ``"the language model qwen2.5-7b-instruct"``."""
    lang = primary_subtag(lang)
    model = provider.strip()[len(LLM_PREFIX):].strip() if ":" in provider else ""
    if not model:
        return _ANY_MODEL.get(lang, _ANY_MODEL["en"])
    return _MODEL_PHRASES.get(lang, _MODEL_PHRASES["en"]).format(model=model)
