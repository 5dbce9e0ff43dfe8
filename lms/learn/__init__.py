from . import assessments  # noqa: F401  (registers the quiz and exam views)
from .routes import bp

__all__ = ["bp"]
