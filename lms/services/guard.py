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


def check(session: Session, text: str, for_grading: bool = False) -> GuardResult:
    return _apply(settings.get(session, "confidentiality_policy"), settings.get(session, "confidential_names"),
                  text, for_grading)


def _apply(policy: str, names: list[str], text: str, for_grading: bool) -> GuardResult:
    findings = scan(text, names=names)
    if not findings or policy == "warn":
        return GuardResult(policy=policy, findings=findings, outbound=text)
    redacted, mapping = redact(text, findings)
    if policy == "block" and not for_grading:
        return GuardResult(policy=policy, findings=findings, outbound=None, placeholders=mapping)
    return GuardResult(policy=policy, findings=findings, outbound=redacted, placeholders=mapping)


def outbound_function(session: Session):
    """For the grading pipeline: learner text -> what may leave. The settings are read now, so
    that grading needs no database connection while it waits for the model."""
    policy = settings.get(session, "confidentiality_policy")
    names = settings.get(session, "confidential_names")

    def outbound(text: str) -> str:
        return _apply(policy, names, text, for_grading=True).outbound
    return outbound
