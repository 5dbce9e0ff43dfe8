"""Trainers' view of the content: courses, modules, exercises and their versions."""
from flask import Blueprint, current_app, render_template
from sqlmodel import select

from .. import db
from ..models import Course, Exercise, Module, Role
from ..services import content
from ..views_common import roles_required

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.route("/")
@roles_required(Role.TRAINER, Role.ADMIN)
def index():
    s = db.session()
    courses = list(s.exec(select(Course).order_by(Course.position)))
    modules = {m.id: m for m in s.exec(select(Module))}
    exercises = list(s.exec(select(Exercise).order_by(Exercise.slug, Exercise.version)))
    problems = content.check(current_app.config["CONTENT_DIR"])
    return render_template("author/index.html", courses=courses, modules=modules,
                           exercises=exercises, problems=problems)
