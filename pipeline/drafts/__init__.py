"""Articles and their drafts: storing, composing, rendering, sanitizing, review and export."""
