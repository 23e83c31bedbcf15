"""Reading a language model's answer strictly, and not refusing good ones."""

from __future__ import annotations

import json

import pytest

from pipeline.translate.context import ArticleContext
from pipeline.translate.providers.llm_answers import AnswerInvalid, parse_answer, segment_problem
from pipeline.translate.providers.llm_request import build_request


def answer(*items: tuple[str, str]) -> str:
    return json.dumps({"translations": [{"id": i, "text": t} for i, t in items]})


def test_a_fenced_answer_is_read_and_ids_not_answered_once_are_none():
    content = "```json\n" + answer(("1", "uno"), ("2", "dos"), ("2", "dos otra vez")) + "\n```"
    assert parse_answer(content, ["1", "2", "3"]) == {"1": "uno", "2": None, "3": None}


@pytest.mark.parametrize("content, reason", [
    ("Sure! " + answer(("1", "uno")), "text outside the JSON answer"),
    (answer(("1", "uno")) + "\nI hope this helps.", "text outside the JSON answer"),
    ('{"translations": [{"id": "1", "text": "un', "invalid JSON"),
    ('{"result": "uno"}', "not the"),
    (answer(("1", "uno"), ("7", "siete")), "answered ids that were not asked: 7"),
    ("uno", "no JSON object"),
])
def test_answers_that_cannot_be_trusted_as_a_whole(content, reason):
    with pytest.raises(AnswerInvalid, match=reason):
        parse_answer(content, ["1"])


GOOD = [
    ("<x1>The council</x1> met on Tuesday.", "<x1>El consejo</x1> se reunió el martes.", "es"),
    ("Update: the road <x1>is closed</x1>.", "Actualización: la carretera <x1>está cerrada</x1>.",
     "es"),
    ("It cost 18.7 million euros, or 3.2 percent.",
     "Costó 18,7 millones de euros, o el 3,2 por ciento.", "es"),
    ("See <x1>the <x2>full</x2> report</x1> at <x3/>.",
     "Vea <x1>el informe <x2>completo</x2></x1> en <x3/>.", "es"),
    ("Hello", "Hola", "es"),
    # Colons before quotes where English has commas: translation, not a preamble.
    ('She said, "We will rebuild the <x1>harbour</x1> before the winter storms come."',
     "Sie sagte: „Wir werden den <x1>Hafen</x1> vor den Winterstürmen wieder aufbauen.“", "de"),
    ('The mayor said, "The water came fast, faster than anyone had expected."',
     "Le maire a dit : « L'eau est arrivée vite, plus vite que prévu par tous. »", "fr"),
]


@pytest.mark.parametrize("sent, translated, target", GOOD)
def test_good_translations_pass(sent, translated, target):
    assert segment_problem(sent, translated, "en", target) is None


@pytest.mark.parametrize("translated, reason", [
    ("Traducción: <x1>El consejo</x1> se reunió el martes.", "text beside the translation"),
    ("<x1>El consejo</x1> se reunió el martes.\nNota: literal.", "text beside the translation"),
    ("<x1>El consejo</x1> se reunió el martes (nota: literal).", "text beside the translation"),
    ("Aquí está la traducción: <x1>El consejo</x1> se reunió el martes.",
     "text beside the translation"),
    ("El consejo se reunió el martes.", "placeholder <x1> missing"),
    ("<x1>El consejo</x1> se reunió <x1>el martes</x1>.", "placeholder <x1> there 2 times"),
    ("<x1>El consejo se reunió el martes.", "placeholder <x1> is not closed"),
    ("<x1>El consejo</x1> se reunió el <x2>martes</x2>.", "placeholder <x2> is not in the source"),
    ("", "empty translation"),
    ("<x1>The council</x1> met on Tuesday.", "the source came back untranslated"),
])
def test_bad_translations_are_refused_with_the_reason(translated, reason):
    problem = segment_problem("<x1>The council</x1> met on Tuesday.", translated, "en", "es")
    assert problem and problem.startswith(reason)


def test_numbers_and_language_are_checked_per_segment():
    sent = "The marsh project cost 18.7 million euros and took two years to finish in the north."
    assert segment_problem(sent, "El proyecto costó 19.7 millones de euros y tardó dos años "
                           "en terminarse en el norte.", "en", "es") == "number 18.7 missing"
    assert segment_problem(sent, "Das Projekt kostete 18.7 Millionen Euro und dauerte zwei "
                           "Jahre im Norden.", "en", "es") == "answered in de, not es"


def test_the_request_carries_ids_context_and_the_stricter_rule_when_asked():
    context = ArticleContext("Floods", {"second": "The first paragraph."}, (("dyke", "dique"),))
    request = build_request(["second", "third"], "en", "es", context, "Use tú.", strict=True)
    system, user = (m["content"] for m in request.messages)
    assert '"dyke" -> "dique"' in system and "Use tú." in system and "rejected" in system
    payload = json.loads(user)
    assert payload == {"title": "Floods", "context": "The first paragraph.",
                       "segments": [{"id": "1", "text": "second"}, {"id": "2", "text": "third"}]}
    assert request.ids == ["1", "2"] and request.chars == len(system) + len(user)
