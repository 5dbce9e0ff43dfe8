"""Typed results of grading: one CriterionResult per criterion, one GradeReport per attempt."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any


class Status(str, Enum):
    GRADED = "graded"                    # every criterion scored
    AWAITING_REVIEW = "awaiting_review"  # some criteria wait for a trainer (no model configured)
    DELAYED = "delayed"                  # the model failed after retries; grading will be retried
    ERROR = "error"                      # the grader itself failed; shown, never a silent zero


class CriterionStatus(str, Enum):
    SCORED = "scored"
    PENDING = "pending"   # waits for the judge or a trainer
    ERROR = "error"


@dataclass
class CriterionResult:
    id: str
    kind: str
    max: float
    score: float | None
    passed: bool | None
    rationale: str
    status: str = CriterionStatus.SCORED.value
    gate: bool = False
    level: int | None = None       # judge level on the 0-4 scale
    hint: str = ""                 # what to improve, when the criterion failed


@dataclass
class GradeReport:
    status: str
    score: float | None
    passed: bool | None
    criteria: list[CriterionResult]
    flags: list[str] = field(default_factory=list)
    model: str | None = None
    target_model: str | None = None
    grader_version: str = ""
    target_output: str | None = None
    judge_raw: str | None = None
    prompt_hash: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    latency_ms: int = 0
    error: str | None = None
    improvements: list[str] = field(default_factory=list)
    rubric_hash: str = ""                 # the exercise version's rubric
    judge_prompt_hash: str = ""           # the judge's system message (rubric, anchors, instructions)
    judge_samples: list[dict[str, int]] = field(default_factory=list)  # levels of each judge sample
    calls: list[dict] = field(default_factory=list)  # every LLM call: alias, model, tokens, cost, latency
    cached_from: int | None = None        # the attempt whose identical grade was reused
    confidential: list[str] = field(default_factory=list)  # kinds of personal data found in the prompt
    cpu_ms: float = 0.0                   # CPU of the grading thread for this grade, LLM calls included

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for the JSON column. Shallow (a tenth of asdict's cost, which deep-copies
        every nested value): the lists are shared with this report, which is not changed after."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["criteria"] = [dict(c.__dict__) for c in self.criteria]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GradeReport":
        data = dict(data)
        data["criteria"] = [CriterionResult(**c) for c in data.get("criteria", [])]
        return cls(**data)
