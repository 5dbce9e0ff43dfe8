"""A word-level diff between two prompts, for the learner's "compare attempts" page."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass
class Segment:
    op: str    # equal | insert | delete
    text: str


@dataclass
class PromptDiff:
    segments: list[Segment]
    added: int     # words added
    removed: int   # words removed

    @property
    def changes(self) -> list[Segment]:
        """The inserted and deleted segments only (the text alternative lists them)."""
        return [s for s in self.segments if s.op != "equal" and s.text.strip()]


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def diff(old: str, new: str) -> PromptDiff:
    """Word-level differences from `old` to `new`; whitespace runs and punctuation are tokens too,
    so the segments joined give back either text exactly."""
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    segments: list[Segment] = []

    def push(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1].text += text
        else:
            segments.append(Segment(op, text))

    # A change, then only spaces, then another change read as one change: "the notes" -> "a table"
    # gives one deletion and one insertion rather than word-by-word alternations.
    deleted, inserted = "", ""
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            text = "".join(a[i1:i2])
            between_changes = (deleted or inserted) and n + 1 < len(opcodes)
            if between_changes and not text.strip():
                deleted, inserted = deleted + text, inserted + text
                continue
            push("delete", deleted)
            push("insert", inserted)
            deleted, inserted = "", ""
            push("equal", text)
        else:  # replace = delete and insert
            deleted += "".join(a[i1:i2])
            inserted += "".join(b[j1:j2])
    push("delete", deleted)
    push("insert", inserted)
    added = sum(_words(s.text) for s in segments if s.op == "insert")
    removed = sum(_words(s.text) for s in segments if s.op == "delete")
    return PromptDiff(segments, added, removed)
