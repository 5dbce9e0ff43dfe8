"""Exercise specifications: the typed form of an `exercises/<slug>.yaml` file.

See docs/content-format.md for the file format. Parsing never raises on a bad field
without saying which field is wrong: `SpecError` carries a readable message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

LANGS = ("en", "fr")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SpecError(ValueError):
    """A content file does not follow the documented format."""


def localized(value: Any, where: str, required: bool = True) -> dict[str, str]:
    """Return a {lang: text} mapping with every language, or raise SpecError."""
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"{where}: expected a mapping with keys {', '.join(LANGS)}")
    missing = [lang for lang in LANGS if not str(value.get(lang) or "").strip()]
    if missing:
        raise SpecError(f"{where}: missing translation(s): {', '.join(missing)}")
    return {lang: str(value[lang]) for lang in LANGS}


def pick(texts: dict[str, str], lang: str) -> str:
    """The text in `lang`, falling back to English."""
    return texts.get(lang) or texts.get("en") or ""


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str
    weight: float
    on: str = "prompt"
    gate: bool = False
    label: dict[str, str] = field(default_factory=dict)
    hint: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    lesson: str = ""  # "module-slug/lesson-slug": the lesson that teaches what this criterion checks

    @property
    def needs_llm(self) -> bool:
        from .registry import registry

        return registry.get(self.kind).needs_llm or self.on == "output"


@dataclass(frozen=True)
class Target:
    temperature: float = 0.2
    max_tokens: int = 800
    system: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CalibrationSample:
    id: str
    lang: str
    quality: str
    prompt: str
    scores: dict[str, float]
    expected_pass: bool
    output: str | None = None


@dataclass(frozen=True)
class ExerciseSpec:
    slug: str
    version: int
    title: dict[str, str]
    scenario: dict[str, str]
    task: dict[str, str]
    criteria: tuple[Criterion, ...]
    pass_mark: float = 70
    input_data: dict[str, str] = field(default_factory=dict)
    target: Target | None = None
    reference_solution: dict[str, str] = field(default_factory=dict)
    calibration: tuple[CalibrationSample, ...] = ()

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.criteria)

    @property
    def needs_llm(self) -> bool:
        return self.target is not None or any(c.needs_llm for c in self.criteria)

    def prompt_for_target(self, prompt: str, lang: str) -> str:
        """The learner's prompt with `{{input}}` replaced by the input data."""
        return prompt.replace("{{input}}", pick(self.input_data, lang)) if self.input_data else prompt


CRITERION_COMMON = {"id", "kind", "weight", "on", "gate", "label", "hint", "lesson"}
LESSON_REF_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$")


def parse_exercise(data: Any, source: str = "exercise") -> ExerciseSpec:
    """Build an ExerciseSpec from the parsed YAML of an exercise file."""
    from .registry import registry

    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping at the top level")
    slug = str(data.get("slug") or "")
    if not SLUG_RE.match(slug):
        raise SpecError(f"{source}: slug {slug!r} must use lowercase letters, digits and hyphens")
    where = f"exercise {slug}"
    try:
        version = int(data.get("version", 1))
        pass_mark = float(data.get("pass_mark", 70))
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{where}: version and pass_mark must be numbers") from exc
    if version < 1 or not 0 < pass_mark <= 100:
        raise SpecError(f"{where}: version must be >= 1 and pass_mark between 1 and 100")

    target = None
    if data.get("target") is not None:
        t = data["target"]
        if not isinstance(t, dict):
            raise SpecError(f"{where}: target must be a mapping")
        target = Target(
            temperature=float(t.get("temperature", 0.2)),
            max_tokens=int(t.get("max_tokens", 800)),
            system=localized(t.get("system"), f"{where}.target.system", required=False),
        )

    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise SpecError(f"{where}: criteria must be a non-empty list")
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for i, rc in enumerate(raw_criteria):
        cwhere = f"{where}.criteria[{i}]"
        if not isinstance(rc, dict):
            raise SpecError(f"{cwhere}: expected a mapping")
        if True in rc:  # YAML 1.1 reads an unquoted `on:` key as the boolean true
            rc = {("on" if k is True else k): v for k, v in rc.items()}
        cid = str(rc.get("id") or "")
        if not SLUG_RE.match(cid) or cid in seen:
            raise SpecError(f"{cwhere}: id {cid!r} must be a unique slug")
        seen.add(cid)
        cwhere = f"{where}.criteria.{cid}"
        kind = str(rc.get("kind") or "")
        if kind not in registry:
            raise SpecError(f"{cwhere}: unknown kind {kind!r} (known: {', '.join(registry.kinds())})")
        on = str(rc.get("on", "prompt"))
        if on not in ("prompt", "output"):
            raise SpecError(f"{cwhere}: 'on' must be prompt or output")
        if on == "output" and target is None:
            raise SpecError(f"{cwhere}: checks on the output need a target block")
        try:
            weight = float(rc.get("weight"))
        except (TypeError, ValueError) as exc:
            raise SpecError(f"{cwhere}: weight must be a number") from exc
        if weight <= 0:
            raise SpecError(f"{cwhere}: weight must be positive")
        params = {k: v for k, v in rc.items() if k not in CRITERION_COMMON}
        lesson = str(rc.get("lesson") or "")
        if lesson and not LESSON_REF_RE.match(lesson):
            raise SpecError(f"{cwhere}: lesson {lesson!r} must be module-slug/lesson-slug")
        registry.get(kind).validate(params, cwhere)
        criteria.append(
            Criterion(
                id=cid, kind=kind, weight=weight, on=on, gate=bool(rc.get("gate", False)),
                label=localized(rc.get("label"), f"{cwhere}.label"),
                hint=localized(rc.get("hint"), f"{cwhere}.hint"),
                params=params, lesson=lesson,
            )
        )
    total = sum(c.weight for c in criteria)
    if abs(total - 100) > 1e-6:
        raise SpecError(f"{where}: criteria weights add up to {total:g}, not 100")

    calibration = []
    for i, s in enumerate(data.get("calibration") or []):
        swhere = f"{where}.calibration[{i}]"
        if not isinstance(s, dict) or not s.get("prompt") or s.get("lang") not in LANGS:
            raise SpecError(f"{swhere}: needs a prompt and a lang (en or fr)")
        scores = s.get("scores") or {}
        unknown = set(scores) - seen
        missing = seen - set(scores)
        if unknown or missing:
            raise SpecError(f"{swhere}: scores must cover exactly the criteria "
                            f"(missing: {sorted(missing)}, unknown: {sorted(unknown)})")
        calibration.append(CalibrationSample(
            id=str(s.get("id") or f"sample-{i}"), lang=s["lang"], quality=str(s.get("quality", "")),
            prompt=str(s["prompt"]), scores={k: float(v) for k, v in scores.items()},
            expected_pass=bool(s.get("expected_pass")), output=s.get("output"),
        ))

    return ExerciseSpec(
        slug=slug, version=version, pass_mark=pass_mark,
        title=localized(data.get("title"), f"{where}.title"),
        scenario=localized(data.get("scenario"), f"{where}.scenario"),
        task=localized(data.get("task"), f"{where}.task"),
        input_data=localized(data.get("input_data"), f"{where}.input_data", required=False),
        target=target, criteria=tuple(criteria),
        reference_solution=localized(data.get("reference_solution"), f"{where}.reference_solution",
                                     required=False),
        calibration=tuple(calibration),
    )
