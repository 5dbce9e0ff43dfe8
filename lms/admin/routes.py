"""Administration: accounts and how the platform is configured."""
from flask import Blueprint, current_app, render_template
from sqlmodel import select

from .. import db
from ..models import Role, User
from ..views_common import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    users = list(db.session().exec(select(User).order_by(User.role, User.email)))
    llm = current_app.extensions["llm"]
    queue = current_app.extensions["queue"]
    return render_template("admin/index.html", users=users, llm=llm, queue_backend=queue.backend,
                           database=db.engine().url.get_backend_name())
