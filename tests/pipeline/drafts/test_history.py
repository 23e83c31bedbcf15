"""History a person can read: word-level changes and markup changes in words."""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.drafts.history import history, markup_changes, word_diff


def test_word_diff_marks_changed_words_only():
    runs = word_diff("Tardó 21 meses en total.", "Tardó 12 meses en total.")
    assert [(r.op, r.text.strip()) for r in runs if r.op != "same"] == \
        [("removed", "21"), ("added", "12")]


def test_markup_changes_are_said_in_words():
    said = markup_changes('Lee <a href="https://a.example/x">esto</a> y <em>aquello</em>.',
                          'Lee esto y aquello, <strong>ya</strong>.')
    assert said == ["link removed: https://a.example/x", "emphasis removed: “aquello”",
                    "bold added: “ya”"]


def _revision(number, title, blocks, author="rita", note="edited"):
    return SimpleNamespace(number=number, title=title, blocks=blocks, author=author,
                           note=note, created_at=None)


def test_history_is_per_block_newest_first_with_who_and_why():
    one = [{"kind": "paragraph", "html": "Uno"}, {"kind": "list", "items": ["a", "b"]}]
    two = [{"kind": "paragraph", "html": "Uno"}, {"kind": "list", "items": ["a", "c"]}]
    three = [{"kind": "paragraph", "html": "Uno más"}, {"kind": "list", "items": ["a", "c"]}]
    revisions = [_revision(3, "T2", three, "ana", "edited block 1"),
                 _revision(2, "T", two, "rita", "edited block 2"),
                 _revision(1, "T", one, "system", "translated")]
    full = history(revisions)
    assert [(r.number, r.author) for r in full] == [(3, "ana"), (2, "rita"), (1, "system")]
    assert [(b.index, [f.key for f in b.fields]) for b in full[0].blocks] == \
        [(-1, ["title"]), (0, ["html"])]
    assert [(b.index, [f.key for f in b.fields]) for b in full[1].blocks] == [(1, ["items.1"])]
    only = history(revisions, block=1)
    assert [(r.number, r.note) for r in only] == [(2, "edited block 2")]


def test_a_limited_history_is_the_newest_revisions_against_their_base():
    revisions = [_revision(n, "T", [{"kind": "paragraph", "html": f"versión {n}"}])
                 for n in range(40, 9, -1)]  # 40..10 loaded: the newest 30 and their base
    shown = history(revisions, limit=30)
    assert [r.number for r in shown] == list(range(40, 10, -1))
    assert all(r.blocks for r in shown)  # revision 11 is compared with 10, not shown empty
