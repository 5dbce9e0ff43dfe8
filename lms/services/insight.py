"""What trainers learn from the attempts on one exercise."""
from __future__ import annotations

import statistics
from collections import Counter

from sqlalchemy import func
from sqlmodel import Session, select

from ..models import Attempt, CalibrationRun, Exercise, TargetRun
from .hr_charts import LineChart, line
from .review import agreement, agreement_by_month

BUCKETS = 10
MAX_REPORTS = 5000
MAX_RUNS = 24


def exercise_insight(session: Session, slug: str) -> dict:
    ids = list(session.exec(select(Exercise.id).where(Exercise.slug == slug)))
    graded = select(Attempt).where(Attempt.exercise_id.in_(ids), Attempt.score != None,  # noqa: E711
                                   Attempt.exam_session_id == None)  # noqa: E711
    scores = list(session.exec(select(Attempt.score).where(Attempt.exercise_id.in_(ids), Attempt.score != None)))  # noqa: E711
    histogram = [0] * BUCKETS
    for score in scores:
        histogram[min(int(score // (100 / BUCKETS)), BUCKETS - 1)] += 1
    failed: Counter[str] = Counter()
    tokens = cost = 0.0
    for attempt in session.exec(graded.order_by(Attempt.id.desc()).limit(MAX_REPORTS)):
        report = attempt.report or {}
        tokens += (report.get("tokens_in") or 0) + (report.get("tokens_out") or 0)
        cost += report.get("cost") or 0.0
        for c in report.get("criteria", []):
            if c.get("passed") is False:
                failed[c["id"]] += 1
    runs = session.exec(select(func.count(), func.coalesce(func.sum(TargetRun.tokens_in + TargetRun.tokens_out), 0),
                               func.coalesce(func.sum(TargetRun.cost), 0.0))
                        .where(TargetRun.exercise_id.in_(ids))).one()
    # Attempts needed to pass: for each learner who passed, the rank of their first passing attempt.
    needed = []
    per_user: dict[int, int] = {}
    for user_id, passed in session.exec(select(Attempt.user_id, Attempt.passed).where(
            Attempt.exercise_id.in_(ids), Attempt.exam_session_id == None).order_by(Attempt.id)):  # noqa: E711
        if user_id in per_user and per_user[user_id] < 0:
            continue
        per_user[user_id] = per_user.get(user_id, 0) + 1
        if passed:
            needed.append(per_user[user_id])
            per_user[user_id] = -1
    return {
        "count": len(scores),
        "mean": round(statistics.mean(scores), 1) if scores else None,
        "histogram": histogram,
        "failed": failed.most_common(),
        "attempts_to_pass": round(statistics.mean(needed), 2) if needed else None,
        "passers": len(needed),
        "agreement": agreement(session, slug),
        "tokens": int(tokens + runs[1]),
        "cost": round(cost + float(runs[2]), 4),
        "runs": runs[0],
    }


def agreement_over_time(session: Session, slug: str) -> dict:
    """The judge's agreement with trainers over time: per calibration run (`lms grader eval --store`),
    exact agreement and quadratic weighted kappa; per month of overrides, the share of judged
    criteria whose level the reviewing trainer kept. Charts in percent, beside the exact figures."""
    runs = list(session.exec(select(CalibrationRun).where(CalibrationRun.exercise_slug == slug)
                             .order_by(CalibrationRun.created_at.desc(), CalibrationRun.id.desc()).limit(MAX_RUNS)))
    runs.reverse()
    labels = [r.created_at.strftime("%Y-%m-%d") for r in runs]
    exact: LineChart | None = None
    kappa: LineChart | None = None
    if runs:
        exact = line([(label, round(100 * r.exact)) for label, r in zip(labels, runs)])
        kappa = line([(label, round(100 * max(r.kappa, 0.0))) for label, r in zip(labels, runs)])
    months = [m for m in agreement_by_month(session, slug) if m["reviewed"]]
    for m in months:
        m["percent"] = round(100 * m["kept"] / m["reviewed"])
    months_chart = line([(m["month"], m["percent"]) for m in months]) if months else None
    return {"runs": list(zip(labels, runs)), "exact_chart": exact, "kappa_chart": kappa,
            "months": months, "months_chart": months_chart}
