from __future__ import annotations

from typing import Any

from ..registry import Check
from ..spec import SpecError, localized

LEVELS = 5  # levels 0 to 4


class Judge:
    kind = "judge"
    needs_llm = True
    doc = "scored by the LLM judge (or a trainer) on a 0-4 scale described by `levels`; passes at `pass_level`"

    def validate(self, params: dict[str, Any], where: str) -> None:
        localized(params.get("rubric"), f"{where}.rubric")
        levels = params.get("levels")
        if not isinstance(levels, dict):
            raise SpecError(f"{where}.levels: expected {{en: [...], fr: [...]}}")
        for lang in ("en", "fr"):
            texts = levels.get(lang)
            if not isinstance(texts, list) or len(texts) != LEVELS or not all(texts):
                raise SpecError(f"{where}.levels.{lang}: expected {LEVELS} level descriptors (0 to 4)")
        pass_level = params.get("pass_level", 2)
        if not isinstance(pass_level, int) or not 0 <= pass_level < LEVELS:
            raise SpecError(f"{where}: pass_level must be an integer from 0 to 4")

    def check(self, criterion, text: str, lang: str) -> Check:  # pragma: no cover - never called
        raise TypeError("judge criteria are scored by the LLM judge")
