"""``--format``: one JSON document, or lines of text that are only made when shown."""

from __future__ import annotations

import json

import pytest
import typer

from cli.output import check_format, show


def test_check_format_names_the_choices():
    check_format("json")
    check_format("md", ("html", "md", "json"))
    with pytest.raises(typer.BadParameter, match="^choose text or json$"):
        check_format("yaml")
    with pytest.raises(typer.BadParameter, match="^choose html, md or json$"):
        check_format("text", ("html", "md", "json"))


def test_json_is_one_document_and_the_text_is_not_made(capsys):
    def lines():
        raise AssertionError("text made for JSON output")
        yield ""

    show("json", {"title": "Überschrift", "n": [1, 2]}, lines())
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and json.loads(out) == {"title": "Überschrift", "n": [1, 2]}


def test_text_is_the_lines(capsys):
    show("text", {"ignored": True}, iter(["one", "two"]))
    assert capsys.readouterr().out == "one\ntwo\n"
    show("json", [1], [], indent=2)
    assert capsys.readouterr().out == "[\n  1\n]\n"
