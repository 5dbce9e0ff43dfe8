"""Course and exercise files -> validated content -> database rows (idempotent by slug and version).

The file format is documented in docs/content-format.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, select

from graders import parse_exercise, registry
from graders.quiz import QuizSpec, parse_quiz
from graders.spec import LANGS, SLUG_RE, ExerciseSpec, SpecError, localized

from ..models import Course, Exercise, Lesson, Module, Quiz
from ..models.base import utcnow

MIN_CALIBRATION = 8
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.S)
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass
class LessonFile:
    slug: str
    minutes: int
    title: dict[str, str]
    body: dict[str, str]


@dataclass
class ModuleFile:
    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    lessons: list[LessonFile]
    exercises: list[str]
    quiz: dict[str, Any] | None = None


@dataclass
class CourseFile:
    slug: str
    order: int
    title: dict[str, str]
    summary: dict[str, str]
    certification: dict[str, Any] | None
    modules: list[ModuleFile]
    exam: dict[str, Any] | None = None


@dataclass
class ExerciseFile:
    spec: ExerciseSpec
    data: dict[str, Any]
    source: str


@dataclass
class ContentTree:
    courses: list[CourseFile] = field(default_factory=list)
    exercises: dict[str, ExerciseFile] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _read_yaml(path: Path, errors: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        errors.append(f"{path}: cannot be read as YAML: {exc}")
        return None


def _read_lesson(folder: Path, slug: str, errors: list[str]) -> LessonFile | None:
    title, body, minutes = {}, {}, 5
    for lang in LANGS:
        path = folder / f"{slug}.{lang}.md"
        if not path.exists():
            errors.append(f"{path}: missing (every lesson exists in {', '.join(LANGS)})")
            continue
        m = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        if not m:
            errors.append(f"{path}: needs a YAML front matter between --- lines")
            continue
        try:
            meta = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError as exc:
            errors.append(f"{path}: front matter is not valid YAML: {exc}")
            continue
        if not meta.get("title"):
            errors.append(f"{path}: front matter needs a title")
        title[lang] = str(meta.get("title", ""))
        minutes = int(meta.get("minutes", minutes))
        body[lang] = m.group(2)
        for target in LINK.findall(m.group(2)):
            if re.match(r"^([a-z][a-z0-9+.-]*:|#)", target, re.I):  # URLs are not files
                continue
            if not (path.parent / target.split("#")[0]).exists():
                errors.append(f"{path}: broken link {target!r}")
    if len(title) != len(LANGS):
        return None
    return LessonFile(slug=slug, minutes=minutes, title=title, body=body)


def load_tree(content_dir: str | Path) -> ContentTree:
    root = Path(content_dir)
    tree = ContentTree()
    for path in sorted((root / "exercises").glob("*.yaml")):
        data = _read_yaml(path, tree.errors)
        if data is None:
            continue
        try:
            spec = parse_exercise(data, str(path))
        except SpecError as exc:
            tree.errors.append(str(exc))
            continue
        if spec.slug != path.stem:
            tree.errors.append(f"{path}: slug {spec.slug!r} must equal the file name")
        tree.exercises[spec.slug] = ExerciseFile(spec=spec, data=data, source=path.read_text(encoding="utf-8"))

    for path in sorted((root / "courses").glob("*/course.yaml")):
        data = _read_yaml(path, tree.errors)
        if not isinstance(data, dict):
            if data is not None:
                tree.errors.append(f"{path}: expected a mapping")
            continue
        try:
            tree.courses.append(_parse_course(path, data, tree))
        except SpecError as exc:
            tree.errors.append(str(exc))
    return tree


def _parse_course(path: Path, data: dict[str, Any], tree: ContentTree) -> CourseFile:
    slug = str(data.get("slug") or "")
    if not SLUG_RE.match(slug) or slug != path.parent.name:
        raise SpecError(f"{path}: slug {slug!r} must be a slug equal to the folder name")
    cert = data.get("certification")
    if cert is not None:
        check_certification(cert, str(path))
    modules = []
    seen: set[str] = set()
    for i, m in enumerate(data.get("modules") or []):
        mslug = str(m.get("slug") or "")
        where = f"{path}: modules[{i}]"
        if not SLUG_RE.match(mslug) or mslug in seen:
            raise SpecError(f"{where}: slug {mslug!r} must be a unique slug")
        seen.add(mslug)
        lessons = []
        for lslug in m.get("lessons") or []:
            lesson = _read_lesson(path.parent / mslug, str(lslug), tree.errors)
            if lesson:
                lessons.append(lesson)
        for eslug in m.get("exercises") or []:
            if eslug not in tree.exercises:
                tree.errors.append(f"{where}: exercise {eslug!r} has no file exercises/{eslug}.yaml "
                                   "(or the file is invalid)")
        quiz = None
        if m.get("quiz"):
            quiz_path = path.parent / mslug / "quiz.yaml"
            quiz = _read_yaml(quiz_path, tree.errors) if quiz_path.exists() else None
            if quiz is None:
                tree.errors.append(f"{quiz_path}: missing (module {mslug} has quiz: true)")
            else:
                try:
                    parse_quiz(quiz, str(quiz_path))
                except SpecError as exc:
                    tree.errors.append(str(exc))
                    quiz = None
        modules.append(ModuleFile(slug=mslug, title=localized(m.get("title"), f"{where}.title"),
                                  summary=localized(m.get("summary"), f"{where}.summary"),
                                  lessons=lessons, exercises=[str(e) for e in m.get("exercises") or []],
                                  quiz=quiz))
    if not modules:
        raise SpecError(f"{path}: a course needs at least one module")
    exam = None
    exam_path = path.parent / "exam.yaml"
    if exam_path.exists():
        exam = _read_yaml(exam_path, tree.errors)
        problems = _exam_problems(exam, {m.slug for m in modules}, tree)
        tree.errors += [f"{exam_path}: {p}" for p in problems]
        if problems:
            exam = None
    return CourseFile(slug=slug, order=int(data.get("order", 0)),
                      title=localized(data.get("title"), f"{path}: title"),
                      summary=localized(data.get("summary"), f"{path}: summary"),
                      certification=cert, modules=modules, exam=exam)


def check_certification(cert: Any, where: str) -> None:
    """Raise SpecError when a course's `certification` block does not follow the format."""
    if not isinstance(cert, dict):
        raise SpecError(f"{where}: certification must be a mapping")
    localized(cert.get("title"), f"{where}: certification.title")
    requires = cert.get("requires") or {}
    for key in ("lessons", "exercises", "quizzes"):
        if requires.get(key, "all") not in ("all", "none"):
            raise SpecError(f"{where}: certification.requires.{key} must be all or none")
    if not isinstance(requires.get("certificates", []), list):
        raise SpecError(f"{where}: certification.requires.certificates must be a list of course slugs")
    renewal = cert.get("renewal")
    if renewal is not None:
        if not isinstance(renewal, dict) or not isinstance(renewal.get("window_days", 90), int):
            raise SpecError(f"{where}: certification.renewal needs window_days (a number of days)")
        if set(renewal.get("requires") or {}) - {"lessons", "exercises", "quizzes", "exam"}:
            raise SpecError(f"{where}: certification.renewal.requires takes lessons, exercises, quizzes, exam")
    if int(cert.get("validity_days", 0)) < 0:
        raise SpecError(f"{where}: certification.validity_days must be positive or 0 (no expiry)")


def _exam_problems(exam: Any, module_slugs: set[str], tree: ContentTree) -> list[str]:
    if not isinstance(exam, dict):
        return ["expected a mapping"]
    pool = exam.get("pool") or []
    draw = exam.get("draw", 4)
    problems = []
    if not isinstance(draw, int) or draw < 1 or len(pool) < max(draw, 1):
        problems.append(f"the pool ({len(pool)}) must hold at least `draw` ({draw}) exercises")
    for slug in pool:
        ex = tree.exercises.get(slug)
        if ex is None:
            problems.append(f"exercise {slug!r} has no valid file exercises/{slug}.yaml")
        elif ex.data.get("module") not in module_slugs:
            problems.append(f"exercise {slug!r} needs `module:` naming one of {sorted(module_slugs)}")
    for key, default in (("pass_mark", 70), ("module_minimum", 50)):
        value = exam.get(key, default)
        if not isinstance(value, (int, float)) or not 0 <= value <= 100:
            problems.append(f"{key} must be between 0 and 100")
    if not isinstance(exam.get("retake_after_days", 7), int) or exam.get("retake_after_days", 7) < 0:
        problems.append("retake_after_days must be a whole number of days")
    return problems


def _deterministic_scores(spec: ExerciseSpec, prompt: str, lang: str) -> dict[str, bool]:
    out = {}
    for c in spec.criteria:
        kind = registry.get(c.kind)
        if c.on == "prompt" and not kind.needs_llm:
            out[c.id] = kind.check(c, prompt, lang).passed
    return out


def check(content_dir: str | Path) -> list[str]:
    """Every problem in the content files; an empty list means the content is valid."""
    tree = load_tree(content_dir)
    problems = list(tree.errors)
    for slug, ex in tree.exercises.items():
        spec = ex.spec
        if set(spec.reference_solution) != set(LANGS):
            problems.append(f"exercise {slug}: reference_solution needs {', '.join(LANGS)}")
        for lang, prompt in spec.reference_solution.items():
            failed = [cid for cid, ok in _deterministic_scores(spec, prompt, lang).items() if not ok]
            if failed:
                problems.append(f"exercise {slug}: the {lang} reference solution fails {', '.join(failed)}")
        if len(spec.calibration) < MIN_CALIBRATION:
            problems.append(f"exercise {slug}: the calibration set has {len(spec.calibration)} "
                            f"samples, at least {MIN_CALIBRATION} are needed")
        for sample in spec.calibration:
            for cid, ok in _deterministic_scores(spec, sample.prompt, sample.lang).items():
                if bool(sample.scores[cid]) != ok:
                    problems.append(f"exercise {slug}: calibration {sample.id}: {cid} is scored "
                                    f"{sample.scores[cid]:g} but the check gives {int(ok)}")
            total, gates = 0.0, True
            for c in spec.criteria:
                s = sample.scores[c.id]
                if c.kind == "judge":
                    frac, ok = s / 4, s >= int(c.params.get("pass_level", 2))
                else:
                    frac, ok = (1.0, True) if s else (0.0, False)
                total += c.weight * frac
                gates = gates and (ok or not c.gate)
            if (total >= spec.pass_mark and gates) != sample.expected_pass:
                problems.append(f"exercise {slug}: calibration {sample.id}: expected_pass is "
                                f"{sample.expected_pass} but its scores give {total:g}/100")
    problems += _criterion_lesson_problems(tree)
    known_courses = {c.slug for c in tree.courses}
    for c in tree.courses:
        for required in ((c.certification or {}).get("requires") or {}).get("certificates", []):
            if required not in known_courses:
                problems.append(f"course {c.slug}: requires a certificate of unknown course {required!r}")
    used = {e for c in tree.courses for m in c.modules for e in m.exercises}
    used |= {e for c in tree.courses for e in ((c.exam or {}).get("pool") or [])}
    for slug in sorted(set(tree.exercises) - used):
        problems.append(f"exercise {slug}: not used by any course module")
    return problems


def _criterion_lesson_problems(tree: ContentTree) -> list[str]:
    """Every criterion's `lesson: module-slug/lesson-slug` names a lesson of some course."""
    lessons = {f"{m.slug}/{lesson.slug}" for c in tree.courses for m in c.modules for lesson in m.lessons}
    return [f"exercise {slug}: criterion {c.id}: lesson {c.lesson!r} is not a lesson of any course "
            "(module-slug/lesson-slug)"
            for slug, ex in tree.exercises.items() for c in ex.spec.criteria
            if c.lesson and c.lesson not in lessons]


@dataclass
class SyncSummary:
    courses: int = 0
    lessons: int = 0
    exercises_created: int = 0
    exercises_updated: int = 0


def sync(session: Session, content_dir: str | Path) -> SyncSummary:
    """Load the content files into the database. Running it twice changes nothing."""
    tree = load_tree(content_dir)
    if tree.errors:
        raise SpecError("content has errors; run `lms content check`:\n" + "\n".join(tree.errors))
    summary = SyncSummary()
    exercise_module: dict[str, tuple[int, int, bool]] = {}  # slug -> module id, position, exam
    for course_file in tree.courses:
        course = session.exec(select(Course).where(Course.slug == course_file.slug)).first()
        if course is None:
            course = Course(slug=course_file.slug, title={}, summary={})
        course.position, course.title, course.summary = course_file.order, course_file.title, course_file.summary
        course.certification = course_file.certification
        course.exam = course_file.exam
        course.updated_at = utcnow()
        session.add(course)
        session.flush()
        summary.courses += 1
        for mpos, mf in enumerate(course_file.modules):
            module = session.exec(select(Module).where(Module.course_id == course.id,
                                                       Module.slug == mf.slug)).first()
            if module is None:
                module = Module(course_id=course.id, slug=mf.slug, title={}, summary={})
            module.position, module.title, module.summary = mpos, mf.title, mf.summary
            session.add(module)
            session.flush()
            for lpos, lf in enumerate(mf.lessons):
                lesson = session.exec(select(Lesson).where(Lesson.module_id == module.id,
                                                           Lesson.slug == lf.slug)).first()
                if lesson is None:
                    lesson = Lesson(module_id=module.id, slug=lf.slug, title={}, body={})
                lesson.position, lesson.minutes, lesson.title, lesson.body = lpos, lf.minutes, lf.title, lf.body
                session.add(lesson)
                summary.lessons += 1
            for epos, eslug in enumerate(mf.exercises):
                exercise_module[eslug] = (module.id, epos, False)
            quiz = session.exec(select(Quiz).where(Quiz.module_id == module.id)).first()
            if mf.quiz is not None:
                quiz = quiz or Quiz(module_id=module.id, spec={})
                quiz.spec = mf.quiz
                session.add(quiz)
            elif quiz is not None:
                session.delete(quiz)
        modules_by_slug = {m.slug: m for m in session.exec(select(Module).where(Module.course_id == course.id))}
        for epos, eslug in enumerate((course_file.exam or {}).get("pool") or []):
            module = modules_by_slug[tree.exercises[eslug].data["module"]]
            exercise_module[eslug] = (module.id, epos, True)
    for slug, ex in tree.exercises.items():
        row = session.exec(select(Exercise).where(Exercise.slug == slug,
                                                  Exercise.version == ex.spec.version)).first()
        if row is None:
            row = Exercise(slug=slug, version=ex.spec.version, title={}, spec={})
            summary.exercises_created += 1
        elif row.source != ex.source:
            summary.exercises_updated += 1
        module_id, position, exam = exercise_module.get(slug, (None, 0, False))
        row.title, row.spec, row.source = ex.spec.title, ex.data, ex.source
        row.module_id, row.position, row.exam, row.status = module_id, position, exam, "published"
        # The file's version is current unless a newer version was published in the browser.
        newer = session.exec(select(Exercise).where(Exercise.slug == slug, Exercise.version > ex.spec.version,
                                                    Exercise.status == "published")).first()
        row.current = newer is None
        session.add(row)
        for other in session.exec(select(Exercise).where(Exercise.slug == slug,
                                                         Exercise.version != ex.spec.version)):
            other.module_id, other.exam = other.module_id or module_id, exam
            if row.current:
                other.current = False
            session.add(other)
    session.commit()
    return summary


def quiz_spec(row: Quiz) -> QuizSpec:
    return parse_quiz(row.spec, f"quiz of module {row.module_id}")


def exercise_spec(row: Exercise) -> ExerciseSpec:
    return parse_exercise(row.spec, f"exercise {row.slug} v{row.version}")
