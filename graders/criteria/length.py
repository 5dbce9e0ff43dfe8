from __future__ import annotations

from typing import Any

from ..registry import Check
from ..spec import SpecError
from ..texts import t


class Length:
    kind = "length"
    needs_llm = False
    doc = "passes when the length in `unit` (chars or words) lies within `min` and `max`"

    def validate(self, params: dict[str, Any], where: str) -> None:
        if "min" not in params and "max" not in params:
            raise SpecError(f"{where}: length needs min, max or both")
        if params.get("unit", "chars") not in ("chars", "words"):
            raise SpecError(f"{where}: unit must be chars or words")
        for k in ("min", "max"):
            if k in params and (not isinstance(params[k], int) or params[k] < 0):
                raise SpecError(f"{where}: {k} must be a non-negative integer")

    def check(self, criterion, text: str, lang: str) -> Check:
        unit = criterion.params.get("unit", "chars")
        n = len(text.split()) if unit == "words" else len(text.strip())
        lo, hi = criterion.params.get("min"), criterion.params.get("max")
        unit_name = t(lang, "words") if unit == "words" else t(lang, "characters")
        if lo is not None and n < lo:
            return Check(False, t(lang, "{n} {unit}: at least {lo} expected.", n=n, unit=unit_name, lo=lo))
        if hi is not None and n > hi:
            return Check(False, t(lang, "{n} {unit}: at most {hi} expected.", n=n, unit=unit_name, hi=hi))
        return Check(True, t(lang, "{n} {unit}, within the expected length.", n=n, unit=unit_name))
