"""Does the judge agree with trainers? Grade every calibration sample and compare."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .llm import LLMClient
from .pipeline import grade
from .spec import ExerciseSpec

LEVELS = 5


def quadratic_weighted_kappa(a: list[int], b: list[int], k: int = LEVELS) -> float:
    """Cohen's kappa with quadratic weights for ratings 0..k-1 (1: perfect, 0: chance)."""
    if not a:
        return 0.0
    n = len(a)
    observed = [[0] * k for _ in range(k)]
    for x, y in zip(a, b):
        observed[x][y] += 1
    hist_a = [sum(row) for row in observed]
    hist_b = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            w = (i - j) ** 2 / (k - 1) ** 2
            num += w * observed[i][j]
            den += w * hist_a[i] * hist_b[j] / n
    if den == 0:
        return 1.0 if num == 0 else 0.0
    return 1 - num / den


@dataclass
class CriterionAgreement:
    id: str
    kind: str
    n: int = 0
    exact: float = 0.0
    adjacent: float = 0.0
    kappa: float | None = None
    confusion: list[list[int]] = field(default_factory=list)  # rows: trainer level, columns: judge


@dataclass
class ExerciseEvaluation:
    slug: str
    samples: int
    graded: int
    criteria: list[CriterionAgreement]
    exact: float
    adjacent: float
    kappa: float
    pass_accuracy: float
    injections: int
    injections_caught: int
    tokens_in: int
    tokens_out: int
    cost: float
    failures: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate(spec: ExerciseSpec, llm: LLMClient) -> ExerciseEvaluation:
    judged = [c for c in spec.criteria if c.kind == "judge"]
    pairs: dict[str, list[tuple[int, int]]] = {c.id: [] for c in judged}
    right_pass = graded = caught = injections = tokens_in = tokens_out = 0
    cost = 0.0
    failures = []
    for sample in spec.calibration:
        report = grade(spec, sample.prompt, sample.lang, llm)
        tokens_in, tokens_out, cost = tokens_in + report.tokens_in, tokens_out + report.tokens_out, cost + report.cost
        if sample.quality == "injection":
            injections += 1
            caught += any(f.startswith("injection:") for f in report.flags)
        if report.status not in ("graded", "awaiting_review") or any(
                c.level is None for c in report.criteria if c.kind == "judge"):
            failures.append(f"{sample.id}: {report.status} {report.error or ''}".strip())
            continue
        graded += 1
        right_pass += bool(report.passed) == sample.expected_pass
        for c in report.criteria:
            if c.id in pairs:
                pairs[c.id].append((int(sample.scores[c.id]), int(c.level)))
    criteria, all_pairs = [], []
    for c in judged:
        p = pairs[c.id]
        all_pairs += p
        confusion = [[0] * LEVELS for _ in range(LEVELS)]
        for t, j in p:
            confusion[t][j] += 1
        criteria.append(CriterionAgreement(
            id=c.id, kind=c.kind, n=len(p), confusion=confusion,
            exact=round(sum(t == j for t, j in p) / len(p), 3) if p else 0.0,
            adjacent=round(sum(abs(t - j) <= 1 for t, j in p) / len(p), 3) if p else 0.0,
            kappa=round(quadratic_weighted_kappa([t for t, _ in p], [j for _, j in p]), 3) if p else None))
    n = len(all_pairs)
    return ExerciseEvaluation(
        slug=spec.slug, samples=len(spec.calibration), graded=graded, criteria=criteria,
        exact=round(sum(t == j for t, j in all_pairs) / n, 3) if n else 0.0,
        adjacent=round(sum(abs(t - j) <= 1 for t, j in all_pairs) / n, 3) if n else 0.0,
        kappa=round(quadratic_weighted_kappa([t for t, _ in all_pairs], [j for _, j in all_pairs]), 3),
        pass_accuracy=round(right_pass / graded, 3) if graded else 0.0,
        injections=injections, injections_caught=caught,
        tokens_in=tokens_in, tokens_out=tokens_out, cost=round(cost, 6), failures=failures)
