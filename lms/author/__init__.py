from . import course_views, exercise_editor, quiz_views  # noqa: F401  (register their views on the blueprint)
from .routes import bp

__all__ = ["bp"]
