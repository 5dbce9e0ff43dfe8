"""Settings, all from environment variables with the prefix LMS_ (documented in README.md)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    pass


def _secret_key(env: Mapping[str, str], instance: Path) -> str:
    """LMS_SECRET_KEY; in the embedded default, a random key kept in the instance folder."""
    if env.get("LMS_SECRET_KEY"):
        return env["LMS_SECRET_KEY"]
    if env.get("LMS_ENV", "development") == "production":
        raise ConfigError("LMS_SECRET_KEY must be set when LMS_ENV=production")
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _time_zone(env: Mapping[str, str]) -> str:
    """LMS_TIME_ZONE: the organisation's zone (IANA name) in which pages show dates and times."""
    import pytz  # the time zone database Flask-Babel converts with

    name = env.get("LMS_TIME_ZONE") or "Europe/Paris"
    try:
        pytz.timezone(name)
    except pytz.UnknownTimeZoneError as exc:
        raise ConfigError(f"LMS_TIME_ZONE={name!r} is not a time zone name such as Europe/Paris or UTC") from exc
    return name


def load(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if env is None else env
    instance = Path(instance_path)
    return {
        "SECRET_KEY": _secret_key(env, instance),
        "LMS_ENV": env.get("LMS_ENV", "development"),
        "DATABASE_URL": env.get("LMS_DATABASE_URL") or f"sqlite:///{instance / 'lms.db'}",
        "REDIS_URL": env.get("LMS_REDIS_URL") or None,
        "QUEUE_FILE": env.get("LMS_QUEUE_FILE") or str(instance / "queue.db"),
        "QUEUE_NAME": env.get("LMS_QUEUE_NAME") or "lms",
        "CONTENT_DIR": env.get("LMS_CONTENT_DIR") or str(PROJECT_ROOT),
        "ORG_NAME": env.get("LMS_ORG_NAME") or "Prompt Academy",
        "GRADING_RETRY_DELAY": float(env.get("LMS_GRADING_RETRY_DELAY", 60)),
        "GRADING_STALE_AFTER": float(env.get("LMS_GRADING_STALE_AFTER", 900)),
        "MAX_PROMPT_CHARS": int(env.get("LMS_MAX_PROMPT_CHARS", 8000)),
        # default of the admin setting prompt_retention_days; 0 keeps prompts forever
        "PROMPT_RETENTION_DAYS": int(env.get("LMS_PROMPT_RETENTION_DAYS", 365)),
        "DOUBLE_SUBMIT_SECONDS": 30,  # the same prompt sent twice within this window is one attempt
        "CALIBRATION_MIN_KAPPA": float(env.get("LMS_CALIBRATION_MIN_KAPPA", 0.6)),
        # sign-in throttling, counted in the database (shared by every web process)
        "LOGIN_MAX_FAILURES": int(env.get("LMS_LOGIN_MAX_FAILURES", 5)),
        "LOGIN_WINDOW": int(env.get("LMS_LOGIN_WINDOW", 900)),
        "LOGIN_LOCKOUT": int(env.get("LMS_LOGIN_LOCKOUT", 900)),
        "LOGIN_IP_MAX_FAILURES": int(env.get("LMS_LOGIN_IP_MAX_FAILURES", 30)),
        "TRUSTED_PROXIES": int(env.get("LMS_TRUSTED_PROXIES", 0)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("LMS_ENV") == "production",
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": _time_zone(env),  # stored in UTC, shown in the organisation's zone
        "LANGUAGES": ["en", "fr"],
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    }
