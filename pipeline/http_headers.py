"""Reading the HTTP response headers that more than one stage acts on."""

from __future__ import annotations

import email.utils
import re
import time
from datetime import timezone

# RFC 9110 delta-seconds is digits only; some servers send a fraction, which means the same.
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds (``120``, ``1.5``) or an
    HTTP date (``Wed, 21 Oct 2015 07:28:00 GMT``, 0 once past); None when absent or unreadable.
    """
    text = (value or "").strip()
    if not text:
        return None
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": the sender's zone is unknown; HTTP dates are in GMT
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - time.time())
