from __future__ import annotations

from typing import Any

from ..confidential import KINDS, scan
from ..registry import Check
from ..spec import SpecError
from ..texts import t


class Confidential:
    kind = "confidential"
    needs_llm = False
    doc = "passes when the confidentiality detector finds none of `kinds` (default: all) nor `names`"

    def validate(self, params: dict[str, Any], where: str) -> None:
        unknown = set(params.get("kinds") or []) - set(KINDS)
        if unknown:
            raise SpecError(f"{where}: unknown kinds {sorted(unknown)} (known: {', '.join(KINDS)})")
        names = params.get("names", [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise SpecError(f"{where}: names must be a list of strings")

    def check(self, criterion, text: str, lang: str) -> Check:
        kinds = set(criterion.params.get("kinds") or KINDS)
        found = [f for f in scan(text, names=criterion.params.get("names", [])) if f.kind in kinds]
        if found:
            listed = ", ".join(f"{f.kind} “{f.text[:40]}”" for f in found[:5])
            return Check(False, t(lang, "Personal or confidential data found: {found}.", found=listed))
        return Check(True, t(lang, "No personal or confidential data found."))
