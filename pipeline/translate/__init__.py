"""Machine translation of extracted articles through interchangeable providers."""

from pipeline.translate.base import Provider
from pipeline.translate.markup import Encoded, decode, encode
from pipeline.translate.registry import make_provider
from pipeline.translate.translator import SegmentTranslation, TranslationResult, translate_article

__all__ = [
    "Encoded",
    "Provider",
    "SegmentTranslation",
    "TranslationResult",
    "decode",
    "encode",
    "make_provider",
    "translate_article",
]
