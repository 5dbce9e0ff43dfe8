from __future__ import annotations

import re
from typing import Any

from ..registry import Check
from ..spec import SpecError
from ..texts import t


class Regex:
    kind = "regex"
    needs_llm = False
    doc = "passes when `pattern` is found (or, with `must_match: false`, is not found)"

    def validate(self, params: dict[str, Any], where: str) -> None:
        try:
            re.compile(str(params.get("pattern") or ""))
        except re.error as exc:
            raise SpecError(f"{where}: invalid pattern: {exc}") from exc
        if not params.get("pattern"):
            raise SpecError(f"{where}: regex needs a pattern")

    def check(self, criterion, text: str, lang: str) -> Check:
        flags = re.IGNORECASE if criterion.params.get("ignore_case", True) else 0
        match = re.search(criterion.params["pattern"], text, flags | re.MULTILINE)
        if criterion.params.get("must_match", True):
            if match:
                return Check(True, t(lang, "Found: “{found}”.", found=match.group(0)[:80]))
            return Check(False, t(lang, "The expected pattern was not found."))
        if match:
            return Check(False, t(lang, "Found something that should not be there: “{found}”.",
                                  found=match.group(0)[:80]))
        return Check(True, t(lang, "Nothing that should not be there was found."))
