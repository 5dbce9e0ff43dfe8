"""grade(): exercise spec + learner's prompt -> GradeReport.

deterministic checks on the prompt -> the prompt run on the target model -> checks on the
output -> the LLM judge for the rubric criteria. Every outcome is explicit: a criterion that
cannot be scored yet is `pending` (awaiting a trainer, or delayed), never a silent zero.
"""
from __future__ import annotations

import hashlib
import json
import statistics
from typing import Callable

from . import injection
from .judge import JudgeReplyError, build_request, parse_reply, response_format
from .llm import Completion, LLMClient, LLMError
from .registry import registry
from .report import CriterionResult, CriterionStatus, GradeReport, Status
from .spec import ExerciseSpec, pick
from .texts import t

GRADER_VERSION = "1.1.0"
JUDGE_ATTEMPTS = 3  # a reply that does not validate is asked for again, then grading is delayed


def run_target(spec: ExerciseSpec, prompt: str, lang: str, llm: LLMClient) -> Completion:
    """Run the learner's prompt on the exercise's target model (`prompt` is what may leave)."""
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


def rubric_hash(spec: ExerciseSpec) -> str:
    criteria = [[c.id, c.kind, c.weight, c.on, c.gate, c.params] for c in spec.criteria]
    text = json.dumps([spec.slug, spec.version, spec.pass_mark, criteria], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _judge(spec, judged, prompt, output, lang, llm, report, account):
    """Ask the judge `judge_samples` times (each reply validated, an invalid one asked again);
    keep the median level of each criterion; flag a spread above the configured bound."""
    verdicts = []
    for _ in range(max(1, llm.settings.judge_samples)):
        verdict, last_error = None, ""
        for _ in range(JUDGE_ATTEMPTS):
            request = build_request(spec, judged, prompt, output, lang)
            report.judge_prompt_hash = request.system_hash
            completion = llm.complete("grader", request.messages, temperature=0,
                                      response_format=response_format(judged))
            account(completion)
            report.model = completion.model
            report.judge_raw = completion.text
            try:
                verdict = parse_reply(completion.text, judged)
                break
            except JudgeReplyError as exc:
                last_error = str(exc)
        if verdict is None:
            raise LLMError(last_error)
        verdicts.append(verdict)
    report.judge_samples = [v.levels for v in verdicts]
    levels, spread_flag = {}, False
    for c in judged:
        values = sorted(v.levels[c.id] for v in verdicts)
        levels[c.id] = int(statistics.median_low(values))
        spread_flag |= values[-1] - values[0] > llm.settings.judge_max_spread
    if spread_flag:
        report.flags.append("judge-disagreement")
    chosen = next((v for v in verdicts if all(v.levels[c.id] == levels[c.id] for c in judged)), verdicts[0])
    rationales = {c.id: next(v.rationales[c.id] for v in verdicts if v.levels[c.id] == levels[c.id])
                  for c in judged}
    return levels, rationales, chosen.improvements


def grade(spec: ExerciseSpec, prompt: str, lang: str, llm: LLMClient | None,
          outbound: Callable[[str], str] | None = None) -> GradeReport:
    """Grade `prompt`. `outbound` turns the learner's text into what may leave for an external
    model (the organisation's confidentiality policy: unchanged, or with placeholders); the
    deterministic checks always read the text as written."""
    lang = lang if lang in ("en", "fr") else "en"
    sent = outbound(prompt) if outbound else prompt
    report = GradeReport(status=Status.GRADED.value, score=None, passed=None, criteria=[],
                         grader_version=GRADER_VERSION, rubric_hash=rubric_hash(spec),
                         prompt_hash=hashlib.sha256(prompt.encode("utf-8")).hexdigest(),
                         flags=injection.detect(prompt))
    results: dict[str, CriterionResult] = {}
    llm_ready = llm is not None and llm.configured

    def account(completion: Completion) -> None:
        report.calls.append({"alias": completion.alias, "model": completion.model,
                             "tokens_in": completion.tokens_in, "tokens_out": completion.tokens_out,
                             "cost": completion.cost, "latency_ms": completion.latency_ms,
                             "cpu_ms": completion.cpu_ms})
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
            completion = run_target(spec, sent, lang, llm)
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
            levels, rationales, improvements = _judge(spec, judged, sent, output, lang, llm, report, account)
            for c in judged:
                level = levels[c.id]
                passed = level >= int(c.params.get("pass_level", 2))
                results[c.id] = _scored(c, lang, passed, level / 4, rationales[c.id], level=level)
            report.improvements = improvements
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
    report.score, passed = decide(spec, report.criteria)
    if report.flags:
        # A possible attempt to steer the grader, or judges that disagree: never an automatic pass.
        report.status = Status.AWAITING_REVIEW.value
        report.passed = None
        return report
    report.passed = passed
    return report


def decide(spec: ExerciseSpec, results: list[CriterionResult]) -> tuple[float, bool]:
    """The total out of 100 and whether it passes: the pass mark reached and every gate passed."""
    score = round(sum(r.score or 0.0 for r in results), 1)
    return score, score >= spec.pass_mark and all(r.passed for r in results if r.gate)


def score_criterion(criterion, value: float, rationale: str, lang: str) -> CriterionResult:
    """A criterion scored by a person: a level 0 to 4 for judge criteria, 1 or 0 otherwise."""
    if criterion.kind == "judge":
        level = max(0, min(4, int(value)))
        return _scored(criterion, lang, level >= int(criterion.params.get("pass_level", 2)), level / 4,
                       rationale, level=level)
    return _scored(criterion, lang, bool(value), 1.0 if value else 0.0, rationale)
