"""The confidentiality guard: what leaves for an external model, under the organisation's policy.

warn: the text is sent unchanged and the learner sees what was found; redact: it is sent with
consistent placeholders; block: it is not sent. The learner always sees the findings and why.
In grading, `block` sends the redacted text instead, so that the attempt can still be graded
without the data leaving.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from graders.confidential import Finding, redact, scan

from . import settings


@dataclass
class GuardResult:
    policy: str
    findings: list[Finding] = field(default_factory=list)
    outbound: str | None = None       # what may be sent; None when blocked
    placeholders: dict[str, str] = field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        return sorted({f.kind for f in self.findings})


SETTINGS = ("confidentiality_policy", "confidential_names")


def check(session: Session, text: str, for_grading: bool = False) -> GuardResult:
    return _apply(*settings.get_many(session, *SETTINGS), text, for_grading)


def _apply(policy: str, names: list[str], text: str, for_grading: bool) -> GuardResult:
    findings = scan(text, names=names)
    if not findings or policy == "warn":
        return GuardResult(policy=policy, findings=findings, outbound=text)
    redacted, mapping = redact(text, findings)
    if policy == "block" and not for_grading:
        return GuardResult(policy=policy, findings=findings, outbound=None, placeholders=mapping)
    return GuardResult(policy=policy, findings=findings, outbound=redacted, placeholders=mapping)


class Policy:
    """The organisation's confidentiality settings, read once: grading checks the prompt with them
    before and after the model is called, with no database connection held in between."""

    def __init__(self, policy: str, names: list[str]):
        """The values of SETTINGS, in that order (settings.get_many, or settings.column)."""
        self.policy, self.names = policy, names
        self._last: tuple[str, GuardResult] | None = None

    def for_grading(self, text: str) -> GuardResult:
        if self._last is None or self._last[0] != text:  # the same prompt is checked twice
            self._last = (text, _apply(self.policy, self.names, text, for_grading=True))
        return self._last[1]

    def outbound(self, text: str) -> str:
        """For the grading pipeline: learner text -> what may leave."""
        return self.for_grading(text).outbound


def outbound_function(session: Session):
    return Policy(*settings.get_many(session, *SETTINGS)).outbound
