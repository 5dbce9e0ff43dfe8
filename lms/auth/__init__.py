from . import account  # noqa: F401  (its routes, on bp)
from .routes import bp

__all__ = ["bp"]
