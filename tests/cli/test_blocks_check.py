"""``transdraft blocks check``: variants, missing ones, and template errors before a run."""

from __future__ import annotations

from pathlib import Path


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_lists_shipped_blocks_with_their_five_languages(transdraft):
    run = transdraft("blocks", "check")
    assert run.code == 0, run.stderr
    for block in ("header/10-disclaimer", "footer/20-access", "footer/30-donate"):
        assert f"{block}: default {block}.html.j2; variants de en es fr nl" in run.stdout
    assert "missing" not in run.stdout


def test_names_missing_variants_and_renders_samples_for_a_language(transdraft, tmp_path):
    _write(tmp_path / "b", "header/10-note.html.j2", "<p>Note for {{ article.title }}</p>")
    _write(tmp_path / "b", "header/10-note.es.html.j2", "<p>Nota {{ site.name }}</p>")
    _write(tmp_path / "b", "footer/20-give.es.html.j2",
           "{% if site.donate_url %}<p><a href='{{ site.donate_url }}'>Done</a></p>{% endif %}")
    env = {"TRANSDRAFT_BLOCKS_DIR": str(tmp_path / "b"), "TRANSDRAFT_SITE_NAME": "La Hoja"}
    run = transdraft("blocks", "check", "--lang", "pt-BR", env=env)
    assert run.code == 0, run.stderr
    assert "  missing: header/10-note.pt.html.j2  (the default is used)" in run.stdout
    assert "  missing: footer/20-give.pt.html.j2  (left out)" in run.stdout
    assert "header/10-note.html.j2: <p>Note for Sample title</p>" in run.stdout
    spanish = transdraft("blocks", "check", "--lang", "es", env=env)
    assert "header/10-note.es.html.j2: <p>Nota La Hoja</p>" in spanish.stdout
    assert "  missing:" not in spanish.stdout


def test_a_broken_template_exits_1_with_file_and_line(transdraft, tmp_path):
    _write(tmp_path / "b", "footer/30-x.de.html.j2", "<p>ok</p>\n<p>{{ article.nope.deeper }}</p>")
    run = transdraft("blocks", "check", env={"TRANSDRAFT_BLOCKS_DIR": str(tmp_path / "b")})
    assert run.code == 1
    assert run.stderr.startswith("error: block template footer/30-x.de.html.j2")
    assert "(line 2)" in run.stderr
