"""A deterministic detector of attempts to steer the grader, in French and English.

A flagged attempt can never pass automatically: it waits for a trainer's review.
"""
from __future__ import annotations

import re

PATTERNS: dict[str, str] = {
    "ignore-instructions":
        r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules?|rubric|prompt|above)\b"
        r"|\b(ignore[rz]?|oublie[rz]?)\b.{0,40}\b(instructions?|consignes?|r[èe]gles?|grille)\b",
    "asks-for-marks":
        r"\b(full|maximum|max|perfect|top)\s+(marks?|score|points?|grade)\b|\b(score|grade)\s+(of\s+)?100\b"
        r"|\bnote\s+(maximale|parfaite|de\s+100|100)\b|\b(20|100)\s*/\s*(20|100)\b|\bscore\s+maximal\b",
    "fake-system": r"(^|\n)\s*(system|syst[èe]me)\s*:|<\|?(system|im_start)\|?>|\[/?INST\]",
    "fake-json": r"\"(level|score|passed)\"\s*:\s*(4|100|true)",
    "role-play": r"\b(you are now|pretend (to be|you are)|act as the (grader|examiner))\b"
                 r"|\b(tu es (maintenant|désormais)|fais comme si|joue le rôle de l['’]?(évaluateur|examinateur|correcteur))\b",
    "grader-address": r"\b(dear|note to the|to the)\s+(grader|examiner|evaluator|judge)\b"
                      r"|\b(cher|chère|à l['’])\s*(correcteur|évaluateur|examinateur|jury)\b",
}
_COMPILED = {name: re.compile(p, re.IGNORECASE) for name, p in PATTERNS.items()}


def detect(text: str) -> list[str]:
    """Names of the patterns found in `text`, in a stable order."""
    return [f"injection:{name}" for name, rx in _COMPILED.items() if rx.search(text or "")]
