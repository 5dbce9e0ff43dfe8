"""The persistent grading queue: Huey on SQLite (embedded default) or on Redis (at scale).

Huey was chosen because it has both backends in one maintained library, periodic tasks for
the reconciler, and a consumer that runs in threads inside the web process or as workers.
"""
from __future__ import annotations

import logging

from flask import Flask
from huey import RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from . import db

log = logging.getLogger(__name__)


class InProcessConsumer(Consumer):
    """A consumer started inside another program (the web server): it leaves the program's
    signal handlers alone, so that Ctrl+C still stops the server."""

    def _set_signal_handlers(self):
        pass


class GradingQueue:
    def __init__(self, app: Flask):
        self.app = app
        if app.config["REDIS_URL"]:
            from redis import ConnectionPool

            # Short timeouts: a submit while Redis is away stores the attempt and answers at once.
            pool = ConnectionPool.from_url(app.config["REDIS_URL"], socket_connect_timeout=3, socket_timeout=10)
            self.huey = RedisHuey(app.config["QUEUE_NAME"], connection_pool=pool)
            self.backend = "redis"
        else:
            self.huey = SqliteHuey(app.config["QUEUE_NAME"], filename=app.config["QUEUE_FILE"])
            self.backend = "sqlite"
        self.huey.results = False
        self._grade = self.huey.task(name="grade_attempt")(self._grade_task)
        # An e-mail server that does not answer: tried again three times, a minute apart.
        self._invite = self.huey.task(name="send_invitations", retries=3, retry_delay=60)(self._invite_task)
        self.huey.periodic_task(crontab(minute="*"), name="requeue_due")(self._requeue_task)
        # Daily; idempotent, so several workers each running it is harmless.
        self.huey.periodic_task(crontab(minute="17", hour="3"), name="purge_prompts")(self._purge_task)

    def _grade_task(self, attempt_id: int) -> None:
        from .services import grading

        with self.app.app_context(), db.new_session() as session:
            grading.grade_attempt(session, attempt_id)

    def _requeue_task(self) -> None:
        from .services import grading

        with self.app.app_context(), db.new_session() as session:
            count = grading.requeue_due(session)
            if count:
                log.info("re-enqueued %d attempts", count)

    def _purge_task(self) -> None:
        from .services import privacy

        with self.app.app_context(), db.new_session() as session:
            count = privacy.purge(session)
            if count:
                log.info("retention: purged the prompts of %d attempts", count)

    def _invite_task(self, user_ids: list[int], actor_id: int | None) -> None:
        from .services import account_setup, mailer

        with self.app.app_context(), db.new_session() as session:
            settings = self.app.config.get("SMTP") or mailer.SMTPSettings()
            result = account_setup.invite_ids(session, settings, actor_id, user_ids)
            log.info("invitations: %d sent, %d failed", len(result.sent), len(result.failed))

    def invite(self, user_ids: list[int], actor_id: int | None) -> bool:
        """Send these accounts their invitation in the background (an import of thousands of people
        answers at once); False when the queue is unreachable."""
        try:
            self._invite(list(user_ids), actor_id)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not enqueue %d invitations (%s)", len(user_ids), str(exc)[:200])
            return False
        return True

    def enqueue(self, attempt_id: int) -> bool:
        """Enqueue the grading of a stored attempt; False when the queue is unreachable (the
        attempt stays `queued` in the database and the reconciler enqueues it again)."""
        try:
            self._grade(attempt_id)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not enqueue attempt %s (%s); the reconciler will retry",
                        attempt_id, str(exc)[:200])
            return False
        return True

    def pending(self) -> int:
        return self.huey.pending_count()

    def drain(self) -> int:
        """Run every queued job now, in this thread (the CLI and the tests use it)."""
        count = 0
        while True:
            task = self.huey.dequeue()
            if task is None:
                return count
            self.huey.execute(task)
            count += 1

    def consumer(self, workers: int = 2, in_process: bool = False) -> Consumer:
        cls = InProcessConsumer if in_process else Consumer
        return cls(self.huey, workers=workers, worker_type="thread", max_delay=1.0,
                   check_worker_health=not in_process)
