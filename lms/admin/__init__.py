from .routes import bp
from . import audit_log, users  # noqa: E402,F401  (their routes, on bp)

__all__ = ["bp"]
