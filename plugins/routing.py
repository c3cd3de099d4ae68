"""The rule the built-in adapters that send to a person (email, SMS) share: a notice goes to the
candidate it concerns, or nowhere.

A notice of a candidate other than the implicit one that arrives without their record (an
application delivering without ``candidates=``), or with another candidate's, is refused: sent
to the configured address instead, it could hand one person's news to another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..runtime.notify import Notice
    from ..vocabulary.records import Candidate


def unroutable(notice: Notice, candidate: Candidate | None) -> str | None:
    """Why ``notice`` cannot be sent by ``candidate``'s record (one line), or None when it can:
    ``candidate`` is theirs, or None for the implicit candidate's notice (the configured address)."""
    if candidate is None and notice.candidate:
        return (f"the notice is for candidate '{notice.candidate}', but the delivery was not given their record "
                "(deliver(..., candidates=store.get_candidate)); it was not sent")  # fmt: skip
    if candidate is not None and candidate.key != notice.candidate:
        return (f"the notice is for candidate '{notice.candidate}', but came with the record of "
                f"'{candidate.key}'; it was not sent")  # fmt: skip
    return None
