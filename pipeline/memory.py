"""Translation memory fed by reviewers' edits.

PLACEHOLDER of the web branch: the translation-memory work replaces this whole file at
merge. Until then a human edit is recorded in the draft's revision and audit log only.
"""

from __future__ import annotations

from typing import Any


def remember_human_edit(session: Any, draft: Any, block_index: int, new_block_html: str,
                        author: str) -> None:
    """Record a reviewer's edit of one block as preferred translation (no-op placeholder)."""
    return None
