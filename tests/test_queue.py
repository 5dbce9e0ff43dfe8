"""The persistent grading queue on SQLite and on Redis: in-process consumers, separate
`lms worker` processes, and each attempt graded once."""
import os
import subprocess
import sys
import threading
import time

import pytest
from conftest import REDIS_URL, TEST_CONTENT, llm_client, model_like, seed, unavailable
from fakellm import Reply
from sqlmodel import select

from lms import db
from lms.models import Attempt, Exercise, User
from lms.services import grading, privacy


@pytest.fixture(params=["sqlite", "redis"])
def queue_config(request, tmp_path):
    if request.param == "sqlite":
        return {"REDIS_URL": None, "QUEUE_FILE": str(tmp_path / "queue.db")}
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    return {"REDIS_URL": REDIS_URL, "QUEUE_NAME": f"{os.environ['LMS_QUEUE_NAME']}-{request.node.name[-40:]}"}


def _submit(app, n=1, prompt='For the team: """{{input}}"""'):
    with app.test_request_context(), db.new_session() as s:
        learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
        exercise = s.exec(select(Exercise)).first()
        return [grading.submit(s, learner, exercise, f"{prompt} ({i})", "en").id for i in range(n)]


def _statuses(app):
    with app.app_context(), db.new_session() as s:
        return {a.id: (a.status, a.grading_runs) for a in s.exec(select(Attempt))}


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_in_process_consumer_grades_queued_attempts(make_app, queue_config, llm_server):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT, **queue_config)
    seed(app)
    assert app.extensions["queue"].backend == ("redis" if queue_config["REDIS_URL"] else "sqlite")
    ids = _submit(app, n=3)
    assert app.extensions["queue"].pending() == 3
    assert all(status == "queued" for status, _ in _statuses(app).values())  # stored first
    consumer = app.extensions["queue"].consumer(workers=2, in_process=True)
    consumer.start()
    try:
        assert _wait_for(lambda: all(s == "graded" for s, _ in _statuses(app).values()))
    finally:
        consumer.stop(graceful=True)
    assert {i: runs for i, (_, runs) in _statuses(app).items()} == {i: 1 for i in ids}


def test_grading_an_attempt_reads_in_one_transaction_before_the_model_and_writes_in_one_after(make_app, llm_server):
    """Every round trip to the database costs a worker CPU (bench/bench_wave.py): the claim goes with
    one query for everything read before the model is called, one UPDATE stores the result."""
    from sqlalchemy import event

    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    earlier, attempt_id = _submit(app, n=2)
    with app.app_context(), db.new_session() as s:  # the course's structure is now in memory
        assert grading.grade_attempt(s, earlier) == "graded"
    seen: list[str] = []
    engine = app.extensions["engine"]
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    event.listen(engine, "commit", lambda _conn: seen.append("COMMIT"))
    with app.app_context(), db.new_session() as s:
        assert grading.grade_attempt(s, attempt_id) == "graded"
    first, second = [i for i, statement in enumerate(seen) if statement == "COMMIT"][:2]
    # before the model: the claim; then one query for the exercise, its calibration, the content
    # version, an identical earlier answer and both confidentiality settings
    before_model = seen[:first]
    assert before_model[0].startswith("UPDATE attempt") and len(before_model) == 2, before_model
    for read in ("calibration_run", "content_version", "attempt.prompt_hash", "confidentiality_policy",
                 "confidential_names"):
        assert read in before_model[1], (read, before_model)
    # after: the report, in one UPDATE that checks the attempt was neither erased nor taken over
    assert len(seen[first + 1:second]) == 1 and seen[second - 1].startswith("UPDATE attempt"), seen
    assert "grading_runs = " in seen[second - 1], seen
    # the passed exercise may complete the course: its certification's requirements and structure
    # from memory (under the version read above), the learner's record in one query
    after = [s for s in seen[second + 1:] if s != "COMMIT"]
    assert len(after) == 1 and "UNION ALL" in after[0], after
    with app.app_context(), db.new_session() as s:
        assert s.get(Attempt, attempt_id).grading_runs == 1


def test_a_claim_that_finds_the_attempt_taken_ends_its_transaction_at_once(make_app, llm_server):
    """On SQLite the claim's UPDATE holds the database's write lock until its transaction ends."""
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    [attempt_id] = _submit(app)
    with app.app_context(), db.new_session() as s:
        assert grading.grade_attempt(s, attempt_id) == "graded"
    with app.app_context(), db.new_session() as s:
        assert grading.grade_attempt(s, attempt_id) is None  # graded already: skipped
        assert not s.in_transaction()


def _grade_in_thread(app, attempt_id):
    result = {}

    def run():
        with app.app_context(), db.new_session() as s:
            result["status"] = grading.grade_attempt(s, attempt_id)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_worker_presumed_dead_does_not_overwrite_the_grade_of_the_one_that_took_over(make_app, llm_server):
    """A worker that stalls past GRADING_STALE_AFTER loses its claim; when it finally comes back, its
    result is dropped (the claim count is its fencing token), not written over the other's."""
    mode = {"delay": 3.0, "level": 1}

    def answer(body):
        return Reply(content=model_like(level=mode["level"])(body).content, delay=mode["delay"])

    llm_server.default = answer
    app = make_app(llm=llm_client(llm_server, timeout=30), CONTENT_DIR=TEST_CONTENT, GRADING_STALE_AFTER=1.0)
    seed(app)
    [attempt_id] = _submit(app)
    stalled, first = _grade_in_thread(app, attempt_id)  # its target call takes 3 s
    assert _wait_for(lambda: _statuses(app)[attempt_id][0] == "grading")
    time.sleep(1.2)  # its claim is stale now
    mode.update(delay=0.0, level=4)
    with app.app_context(), db.new_session() as s:
        assert grading.grade_attempt(s, attempt_id) == "graded"  # taken over: passed
    mode.update(level=1)  # the stalled worker's judge now fails the same prompt
    stalled.join(30)
    assert first == {"status": None}
    with app.app_context(), db.new_session() as s:
        attempt = s.get(Attempt, attempt_id)
        assert (attempt.status, attempt.passed, attempt.grading_runs) == ("graded", True, 2)
        assert {c["level"] for c in attempt.report["criteria"] if c["kind"] == "judge"} == {4}


def test_an_account_deleted_while_its_attempt_is_graded_keeps_nothing_of_the_grade(make_app, llm_server):
    slow = model_like(level=4)
    llm_server.default = lambda body: Reply(content=slow(body).content, delay=1.5)
    app = make_app(llm=llm_client(llm_server, timeout=30), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    [attempt_id] = _submit(app)
    grader, result = _grade_in_thread(app, attempt_id)
    assert _wait_for(lambda: _statuses(app)[attempt_id][0] == "grading")
    with app.app_context(), db.new_session() as s:
        learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
        privacy.delete_account(s, learner, actor_id=None)
    grader.join(30)
    assert result == {"status": None}
    with app.app_context(), db.new_session() as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.prompt == "" and attempt.status == "error" and attempt.score is None
        assert "criteria" in attempt.report and not attempt.report["criteria"]


def test_a_job_enqueued_twice_is_graded_once(make_app, queue_config, llm_server):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT, **queue_config)
    seed(app)
    [attempt_id] = _submit(app)
    app.extensions["queue"].enqueue(attempt_id)
    assert app.extensions["queue"].drain() == 2
    assert _statuses(app)[attempt_id] == ("graded", 1)
    assert len([r for r in llm_server.requests if r.get("response_format")]) == 1


def test_lost_jobs_are_found_by_the_reconciler(make_app, queue_config, llm_server):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT, **queue_config)
    seed(app)
    [attempt_id] = _submit(app)
    app.extensions["queue"].huey.flush()  # the queue lost its job (Redis restarted without persistence)
    with app.app_context(), db.new_session() as s:
        retry_at = s.get(Attempt, attempt_id).retry_at
        assert grading.requeue_due(s) == 0
        assert grading.requeue_due(s, now=retry_at) == 1
    app.extensions["queue"].drain()
    assert _statuses(app)[attempt_id] == ("graded", 1)


def test_separate_worker_processes_grade_the_queue(make_app, queue_config, llm_server, database_url, tmp_path):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT, **queue_config)
    seed(app)
    ids = _submit(app, n=4)
    env = dict(os.environ, LMS_DATABASE_URL=database_url, LMS_CONTENT_DIR=TEST_CONTENT,
               LMS_GRADER_MODEL="openai/judge", LMS_TARGET_MODEL="openai/target",
               LMS_LLM_API_BASE=llm_server.url, LMS_LLM_API_KEY="test-key", LMS_SECRET_KEY="x",
               LMS_INSTANCE_PATH=str(tmp_path / "instance"))
    if queue_config["REDIS_URL"]:
        env["LMS_REDIS_URL"] = queue_config["REDIS_URL"]
        env["LMS_QUEUE_NAME"] = queue_config["QUEUE_NAME"]
    else:
        env.pop("LMS_REDIS_URL", None)
        env["LMS_QUEUE_FILE"] = queue_config["QUEUE_FILE"]
    lms = os.path.join(os.path.dirname(sys.executable), "lms")
    workers = [subprocess.Popen([lms, "worker", "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE) for _ in range(2)]
    try:
        ok = _wait_for(lambda: all(s == "graded" for s, _ in _statuses(app).values()), timeout=90)
    finally:
        for w in workers:
            w.terminate()
        errors = [w.communicate(timeout=30)[1].decode()[-2000:] for w in workers]
    assert ok, errors
    assert {i: runs for i, (_, runs) in _statuses(app).items()} == {i: 1 for i in ids}
