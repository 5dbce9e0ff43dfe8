from . import assessments  # noqa: F401  (registers the quiz and exam views)
from . import editor  # noqa: F401  (registers the draft and compare views)
from .routes import bp

__all__ = ["bp"]
