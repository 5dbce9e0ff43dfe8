"""Trainers' authoring in the browser, in the same file format as courses/ and exercises/.

Exercises are edited as their YAML file (docs/content-format.md), validated by the same parser
as `lms content check`. Saving a changed rubric of a published exercise creates a new draft
version; publishing it makes it the version learners get, while existing attempts keep the
version they were graded against. Courses export to a zip of files that `lms content check`
accepts and that imports back unchanged.
"""
from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from graders import ExerciseSpec, SpecError, grade, parse_exercise
from graders.report import GradeReport

from ..models import Course, Exercise, Lesson, Module, Quiz, User
from ..models.base import utcnow
from . import content
from .review import audit

MAX_IMPORT_BYTES = 5 * 1024 * 1024
STATUSES = ("draft", "published", "archived")


class AuthoringError(ValueError):
    """The content cannot be saved; the message says what to fix."""


def normalise(value: str | None) -> str:
    """Browsers send CRLF line ends; files and the database keep LF."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def parse_yaml_exercise(text: str) -> tuple[ExerciseSpec, dict[str, Any]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AuthoringError(_l("The YAML cannot be read: %(error)s", error=str(exc))) from exc
    try:
        return parse_exercise(data, "exercise"), data
    except SpecError as exc:
        raise AuthoringError(str(exc)) from exc


def latest(session: Session, slug: str) -> Exercise | None:
    return session.exec(select(Exercise).where(Exercise.slug == slug).order_by(Exercise.version.desc())).first()


def save_exercise(session: Session, user: User, text: str, module: Module) -> Exercise:
    """Save an exercise from its YAML. A new slug creates version 1 as a draft; a change to a
    published version creates the next version as a draft; a draft is edited in place."""
    text = normalise(text)
    spec, data = parse_yaml_exercise(text)
    row = latest(session, spec.slug)
    if row is not None and row.module_id not in (None, module.id):
        raise AuthoringError(_l("An exercise with the slug %(slug)s already exists in another module.", slug=spec.slug))
    if row is None or row.status != "draft":
        version = 1 if row is None else row.version + 1
        if row is not None and row.source == text:
            return row  # nothing changed
        if spec.version != version:  # the file's version follows the platform's numbering
            data["version"] = version
            text = _set_version(text, version)
            spec = parse_exercise(data, "exercise")
        row = Exercise(slug=spec.slug, version=version, status="draft", current=False, title={}, spec={},
                       position=row.position if row is not None else _next_position(session, module),
                       exam=row.exam if row is not None else False)
    elif spec.version != row.version:
        data["version"] = row.version
        text = _set_version(text, row.version)
        spec = parse_exercise(data, "exercise")
    row.title, row.spec, row.source = spec.title, data, text
    row.module_id, row.updated_at, row.updated_by = module.id, utcnow(), user.id
    row.exam = bool(data.get("module")) and row.exam
    session.add(row)
    audit(session, user.id, "exercise.save", f"exercise:{spec.slug}:v{row.version}")
    session.commit()
    return row


def _next_position(session: Session, module: Module) -> int:
    """A new exercise goes after the module's others (the order of the exported `exercises` list)."""
    positions = session.exec(select(Exercise.position).where(Exercise.module_id == module.id)).all()
    return max(positions, default=-1) + 1


def _set_version(text: str, version: int) -> str:
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("version:"):
            lines[i] = f"version: {version}\n"
            return "".join(lines)
    return text.replace("\n", f"\nversion: {version}\n", 1)


def set_status(session: Session, user: User, row: Exercise, status: str) -> None:
    if status not in STATUSES:
        raise AuthoringError(_l("Unknown state."))
    if status == "published":
        for other in session.exec(select(Exercise).where(Exercise.slug == row.slug, Exercise.id != row.id)):
            other.current = False
            session.add(other)
        row.current = True
    elif row.current:
        row.current = False
        if status == "draft":  # a withdrawn version gives way to the newest other published one
            previous = session.exec(select(Exercise).where(Exercise.slug == row.slug, Exercise.id != row.id,
                                                           Exercise.status == "published")
                                    .order_by(Exercise.version.desc())).first()
            if previous:
                previous.current = True
                session.add(previous)
    row.status, row.updated_at, row.updated_by = status, utcnow(), user.id
    session.add(row)
    audit(session, user.id, f"exercise.{status}", f"exercise:{row.slug}:v{row.version}")
    session.commit()


def try_it(spec: ExerciseSpec, prompt: str, lang: str, llm, outbound) -> GradeReport:
    """The full grade a submission would get, without storing an attempt."""
    return grade(spec, prompt, lang, llm, outbound=outbound)


def update_lesson(session: Session, user: User, lesson: Lesson, title: dict[str, str], body: dict[str, str],
                  minutes: int) -> None:
    if not all(title.get(lang, "").strip() for lang in ("en", "fr")):
        raise AuthoringError(_l("A lesson needs a title in English and in French."))
    if not all(body.get(lang, "").strip() for lang in ("en", "fr")):
        raise AuthoringError(_l("A lesson needs a text in English and in French."))
    body = {lang: normalise(value).strip() for lang, value in body.items()}
    lesson.title, lesson.body, lesson.minutes = title, body, max(1, min(120, minutes))
    session.add(lesson)
    audit(session, user.id, "lesson.save", f"lesson:{lesson.id}")
    session.commit()


# -- export and import ----------------------------------------------------------------------
def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def course_files(session: Session, course: Course) -> dict[str, str]:
    """The course as files, in the format of courses/ and exercises/ (path -> text)."""
    files: dict[str, str] = {}
    modules = list(session.exec(select(Module).where(Module.course_id == course.id).order_by(Module.position)))
    module_entries = []
    for m in modules:
        lessons = list(session.exec(select(Lesson).where(Lesson.module_id == m.id).order_by(Lesson.position)))
        exercises = list(session.exec(select(Exercise).where(Exercise.module_id == m.id, Exercise.current == True,  # noqa: E712
                                                             Exercise.exam == False)  # noqa: E712
                                      .order_by(Exercise.position)))
        quiz = session.exec(select(Quiz).where(Quiz.module_id == m.id)).first()
        entry = {"slug": m.slug, "title": m.title, "summary": m.summary,
                 "lessons": [lesson.slug for lesson in lessons], "exercises": [e.slug for e in exercises]}
        if quiz:
            entry["quiz"] = True
            files[f"courses/{course.slug}/{m.slug}/quiz.yaml"] = _dump(quiz.spec)
        module_entries.append(entry)
        for lesson in lessons:
            for lang in ("en", "fr"):
                front = _dump({"title": lesson.title[lang], "minutes": lesson.minutes})
                files[f"courses/{course.slug}/{m.slug}/{lesson.slug}.{lang}.md"] = f"---\n{front}---\n{lesson.body[lang]}"
        for e in exercises:
            files[f"exercises/{e.slug}.yaml"] = e.source
    data: dict[str, Any] = {"slug": course.slug, "order": course.position, "title": course.title,
                            "summary": course.summary}
    if course.certification:
        data["certification"] = course.certification
    data["modules"] = module_entries
    files[f"courses/{course.slug}/course.yaml"] = _dump(data)
    if course.exam:
        files[f"courses/{course.slug}/exam.yaml"] = _dump(course.exam)
        for slug in course.exam.get("pool") or []:
            e = session.exec(select(Exercise).where(Exercise.slug == slug, Exercise.current == True)).first()  # noqa: E712
            if e:
                files[f"exercises/{e.slug}.yaml"] = e.source
    return files


def export_zip(session: Session, course: Course) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in sorted(course_files(session, course).items()):
            info = zipfile.ZipInfo(path, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    return buffer.getvalue()


@dataclass
class ImportResult:
    problems: list[str]
    summary: content.SyncSummary | None


def import_zip(session: Session, user: User, data: bytes) -> ImportResult:
    """Load a zip of course and exercise files (as exported) after checking it like `lms content check`."""
    if len(data) > MAX_IMPORT_BYTES:
        raise AuthoringError(_l("The file is too large (%(max)d MB at most).", max=MAX_IMPORT_BYTES // 2**20))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise AuthoringError(_l("This is not a zip file of course files.")) from exc
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in names:
            target = (root / name).resolve()
            if not str(target).startswith(str(root.resolve())) or not (
                    name.startswith("courses/") or name.startswith("exercises/")):
                raise AuthoringError(_l("Unexpected file in the archive: %(name)s", name=name))
            if name.endswith("/"):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
        (root / "courses").mkdir(exist_ok=True)
        (root / "exercises").mkdir(exist_ok=True)
        tree = content.load_tree(root)
        if tree.errors:
            return ImportResult(problems=tree.errors, summary=None)
        summary = content.sync(session, root)
    audit(session, user.id, "content.import", "", courses=summary.courses, exercises=summary.exercises_created)
    session.commit()
    return ImportResult(problems=[], summary=summary)
