"""The registry of criterion kinds. Each kind is a class in graders/criteria/, registered once."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .spec import Criterion


@dataclass(frozen=True)
class Check:
    """The outcome of a deterministic check."""
    passed: bool
    rationale: str


class CriterionKind(Protocol):
    kind: str
    needs_llm: bool   # True: scored by the LLM judge, not by `check`
    doc: str          # one line for `lms content kinds` and the docs test

    def validate(self, params: dict[str, Any], where: str) -> None: ...

    def check(self, criterion: "Criterion", text: str, lang: str) -> Check: ...


class Registry:
    def __init__(self) -> None:
        self._kinds: dict[str, CriterionKind] = {}

    def register(self, kind: CriterionKind) -> CriterionKind:
        if kind.kind in self._kinds:
            raise ValueError(f"criterion kind {kind.kind!r} registered twice")
        self._kinds[kind.kind] = kind
        return kind

    def get(self, kind: str) -> CriterionKind:
        return self._kinds[kind]

    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    def __contains__(self, kind: str) -> bool:
        return kind in self._kinds


registry = Registry()
