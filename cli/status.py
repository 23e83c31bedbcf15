"""How ``status`` shows what the language-model provider used today."""

from __future__ import annotations

from pipeline.ledger.budget import Requests


def token_lines(requests: dict[str, Requests]) -> list[str]:
    """One line per provider whose answers reported tokens today (or could not)."""
    lines = []
    for provider, used in requests.items():
        if not used.tokens_in and not used.tokens_out and not used.unmetered_requests:
            continue  # a provider that has no tokens (an MT engine)
        line = (f"tokens today (UTC): {provider} {used.tokens_in} in, {used.tokens_out} out, "
                f"{used.requests} requests")
        if used.unmetered_requests:
            line += (f" ({used.unmetered_requests} without token counts from the server: "
                     "counted by characters only)")
        lines.append(line)
    return lines
