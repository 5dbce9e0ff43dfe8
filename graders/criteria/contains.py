from __future__ import annotations

from typing import Any

from ..registry import Check
from ..spec import SpecError
from ..texts import t


class Contains:
    kind = "contains"
    needs_llm = False
    doc = "passes when at least one `any` term, every `all` term and no `none` term appears"

    def validate(self, params: dict[str, Any], where: str) -> None:
        lists = [k for k in ("any", "all", "none") if k in params]
        if not lists:
            raise SpecError(f"{where}: contains needs at least one of any, all, none")
        for k in lists:
            v = params[k]
            if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
                raise SpecError(f"{where}: {k} must be a non-empty list of strings")

    def check(self, criterion, text: str, lang: str) -> Check:
        cs = bool(criterion.params.get("case_sensitive", False))
        hay = text if cs else text.casefold()

        def has(term: str) -> bool:
            return (term if cs else term.casefold()) in hay

        problems = []
        any_terms = criterion.params.get("any")
        if any_terms and not any(has(x) for x in any_terms):
            problems.append(t(lang, "none of: {terms}", terms=", ".join(any_terms)))
        missing = [x for x in criterion.params.get("all", []) if not has(x)]
        if missing:
            problems.append(t(lang, "missing: {terms}", terms=", ".join(missing)))
        present = [x for x in criterion.params.get("none", []) if has(x)]
        if present:
            problems.append(t(lang, "should not contain: {terms}", terms=", ".join(present)))
        if problems:
            return Check(False, "; ".join(problems))
        return Check(True, t(lang, "The expected terms are present."))
