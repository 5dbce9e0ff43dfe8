"""grade(): exercise spec + learner's prompt -> GradeReport.

deterministic checks on the prompt -> the prompt run on the target model -> checks on the
output -> the LLM judge for the rubric criteria. Every outcome is explicit: a criterion that
cannot be scored yet is `pending` (awaiting a trainer, or delayed), never a silent zero.
"""
from __future__ import annotations

import hashlib

from . import injection
from .judge import JudgeReplyError, build_request, parse_reply, response_format
from .llm import Completion, LLMClient, LLMError
from .registry import registry
from .report import CriterionResult, CriterionStatus, GradeReport, Status
from .spec import ExerciseSpec, pick
from .texts import t

GRADER_VERSION = "1.0.0"
JUDGE_ATTEMPTS = 3  # a reply that does not validate is asked for again, then grading is delayed


def run_target(spec: ExerciseSpec, prompt: str, lang: str, llm: LLMClient) -> Completion:
    """Run the learner's prompt on the exercise's target model."""
    assert spec.target is not None
    messages = []
    system = pick(spec.target.system, lang) if spec.target.system else ""
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": spec.prompt_for_target(prompt, lang)})
    return llm.complete("target", messages, temperature=spec.target.temperature,
                        max_tokens=spec.target.max_tokens)


def _pending(c, lang: str, reason: str) -> CriterionResult:
    return CriterionResult(id=c.id, kind=c.kind, max=c.weight, score=None, passed=None,
                           rationale=t(lang, reason), status=CriterionStatus.PENDING.value,
                           gate=c.gate)


def _scored(c, lang: str, passed: bool, fraction: float, rationale: str,
            level: int | None = None) -> CriterionResult:
    return CriterionResult(id=c.id, kind=c.kind, max=c.weight, score=round(c.weight * fraction, 2),
                           passed=passed, rationale=rationale, gate=c.gate, level=level,
                           hint="" if passed else pick(c.hint, lang))


def grade(spec: ExerciseSpec, prompt: str, lang: str, llm: LLMClient | None) -> GradeReport:
    lang = lang if lang in ("en", "fr") else "en"
    report = GradeReport(status=Status.GRADED.value, score=None, passed=None, criteria=[],
                         grader_version=GRADER_VERSION,
                         prompt_hash=hashlib.sha256(prompt.encode("utf-8")).hexdigest(),
                         flags=injection.detect(prompt))
    results: dict[str, CriterionResult] = {}
    llm_ready = llm is not None and llm.configured

    def account(completion: Completion) -> None:
        report.tokens_in += completion.tokens_in
        report.tokens_out += completion.tokens_out
        report.cost += completion.cost
        report.latency_ms += completion.latency_ms

    for c in spec.criteria:
        if c.on == "prompt" and not registry.get(c.kind).needs_llm:
            check = registry.get(c.kind).check(c, prompt, lang)
            results[c.id] = _scored(c, lang, check.passed, 1.0 if check.passed else 0.0, check.rationale)

    waiting = "Awaiting a trainer: no grading model is configured."
    delayed = "Grading delayed: the model did not answer. It will be retried automatically."
    output: str | None = None
    try:
        if spec.target is not None and llm_ready:
            completion = run_target(spec, prompt, lang, llm)
            account(completion)
            output = completion.text
            report.target_output = output
            report.target_model = completion.model
        for c in spec.criteria:
            if c.on == "output" and not registry.get(c.kind).needs_llm:
                if output is None:
                    results[c.id] = _pending(c, lang, waiting)
                else:
                    check = registry.get(c.kind).check(c, output, lang)
                    results[c.id] = _scored(c, lang, check.passed, 1.0 if check.passed else 0.0,
                                            check.rationale)
        judged = [c for c in spec.criteria if registry.get(c.kind).needs_llm]
        if judged and not llm_ready:
            for c in judged:
                results[c.id] = _pending(c, lang, waiting)
        elif judged:
            verdict, raw = None, ""
            last_error = ""
            for _ in range(JUDGE_ATTEMPTS):
                request = build_request(spec, judged, prompt, output, lang)
                completion = llm.complete("grader", request.messages, temperature=0,
                                          response_format=response_format(judged))
                account(completion)
                report.model = completion.model
                raw = completion.text
                try:
                    verdict = parse_reply(raw, judged)
                    break
                except JudgeReplyError as exc:
                    last_error = str(exc)
            report.judge_raw = raw
            if verdict is None:
                raise LLMError(last_error)
            for c in judged:
                level = verdict.levels[c.id]
                passed = level >= int(c.params.get("pass_level", 2))
                results[c.id] = _scored(c, lang, passed, level / 4, verdict.rationales[c.id], level=level)
            report.improvements = verdict.improvements
    except LLMError as exc:
        report.status = Status.DELAYED.value
        report.error = str(exc)
        for c in spec.criteria:
            if c.id not in results:
                results[c.id] = _pending(c, lang, delayed)

    report.criteria = [results[c.id] for c in spec.criteria]
    hints = [r.hint for r in report.criteria if r.passed is False and r.hint]
    report.improvements = hints + [i for i in report.improvements if i not in hints]
    if report.status == Status.DELAYED.value:
        return report
    if any(r.status == CriterionStatus.PENDING.value for r in report.criteria):
        report.status = Status.AWAITING_REVIEW.value
        return report
    report.score = round(sum(r.score or 0.0 for r in report.criteria), 1)
    gates_ok = all(r.passed for r in report.criteria if r.gate)
    if report.flags:
        # A possible attempt to steer the grader never passes automatically.
        report.status = Status.AWAITING_REVIEW.value
        report.passed = None
        return report
    report.passed = report.score >= spec.pass_mark and gates_ok
    return report
