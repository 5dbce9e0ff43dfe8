"""What every signed-in request pays for, made cheap without becoming stale or unsafe: the account
read in one query with the content version (services/accounts.signed_in), the session cookie
decoded once per process (session_cookie.py), the signed CSRF token reused for a minute
(learn/page_cache.csrf_token). On SQLite and PostgreSQL."""
from datetime import timedelta

from conftest import TEST_CONTENT, csrf_from, seed
from flask import g
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import select
from test_lesson_cache import URL, app, other, signed_in  # noqa: F401 (the same fixtures: app, other)

from lms import db, session_cookie
from lms.learn import page_cache
from lms.models import Lesson, User
from lms.services import accounts, content_cache, user_admin
from lms.services.content_cache import _READ as READ


def statements_of(app, client, url=URL) -> list[str]:
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(app.extensions["engine"], "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(app.extensions["engine"], "before_cursor_execute", listener)
    return seen


def change_in_other_process(other, change):
    with other.app_context():
        s = db.session()
        admin = s.exec(select(User).where(User.email == "admin@example.org")).one()
        learner = s.exec(select(User).where(User.email == "learner@example.org")).one()
        change(s, admin, learner)


# The account, read at every request


def test_a_cached_lesson_page_costs_one_query(app):
    learner = signed_in(app)
    learner.get(URL)
    seen = statements_of(app, learner)
    assert len(seen) == 1, seen  # the account with its progress version and the content version
    assert "content_version" in seen[0] and "progress_version" in seen[0]
    assert len(statements_of(app, learner, "/courses/mini-exam/advanced/deeper")) > 1  # with an exam: progress


def test_the_exercise_page_reads_the_exercise_with_its_module_and_course_in_one_query(app):
    learner = signed_in(app)
    url = "/exercises/mini-brief"
    learner.get(url)
    seen = statements_of(app, learner, url)
    # the account; the exercise, its module and its course; the learner's attempts; the draft (read once)
    assert len(seen) == 4, seen
    assert sum("prompt_draft" in statement for statement in seen) == 1
    assert "JOIN module" in seen[1] and "JOIN course" in seen[1]


def test_a_deactivation_in_another_process_signs_out_at_the_next_request(app, other):
    learner = signed_in(app)
    assert learner.get(URL).status_code == 200 and learner.get(URL).status_code == 200  # from memory
    change_in_other_process(other, lambda s, admin, user: user_admin.set_active(s, admin, user, False))
    r = learner.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_role_change_in_another_process_applies_at_the_next_request(app, other):
    learner = signed_in(app)
    assert learner.get("/author/").status_code == 403
    assert learner.get(URL).status_code == 200
    change_in_other_process(other, lambda s, admin, user: user_admin.change_role(s, admin, user, "trainer"))
    assert learner.get("/author/").status_code == 200
    page = learner.get(URL).get_data(as_text=True)
    assert 'href="/author/' in page  # the layout's menu for the new role: not the page kept for a learner


def test_a_rename_in_another_process_is_shown_at_the_next_request(app, other):
    learner = signed_in(app)
    assert "Léa Martin" in learner.get(URL).get_data(as_text=True)

    def rename(s, _admin, user):
        user.name = "Léa Martin-Durand"
        s.commit()
    change_in_other_process(other, rename)
    assert "Léa Martin-Durand" in learner.get(URL).get_data(as_text=True)


def test_the_signed_in_account_can_be_changed_and_saved(app):
    """The account comes from a Core query, made persistent in the request's session: a change to it
    is written like any other (the language choice), and nothing is written when nothing changed."""
    learner = signed_in(app)
    page = learner.get(URL).get_data(as_text=True)
    writes = [s for s in statements_of(app, learner) if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == []
    r = learner.post("/language", data={"csrf_token": csrf_from(page), "lang": "fr", "next": URL})
    assert r.status_code == 302
    with app.app_context():
        assert db.session().exec(select(User.locale).where(User.email == "learner@example.org")).one() == "fr"
    assert 'lang="fr"' in signed_in(app).get(URL).get_data(as_text=True)  # a new session: from the account


def test_the_content_version_read_with_the_account_is_dropped_once_the_request_writes_content(app):
    with app.test_request_context():
        s = db.session()
        learner_id = s.exec(select(User.id).where(User.email == "learner@example.org")).one()
        assert accounts.signed_in(db.connection(), learner_id).email == "learner@example.org"
        before = content_cache.version(s)
        assert before and g.get(READ) == before
        lesson = s.exec(select(Lesson).where(Lesson.slug == "intro")).one()
        lesson.minutes += 1
        s.flush()  # the bump drops what was read
        after = content_cache.version(s)
        assert after != before and g.get(READ) is None
        content_cache.remember(after)
        lesson.minutes += 1  # not flushed yet: read after flushing
        assert content_cache.version(s) not in (before, after)
        s.rollback()
        content_cache.remember("read by this request")
        assert content_cache.version(s) == "read by this request"
        with db.new_session() as other:  # another session: its own read
            assert content_cache.version(other) != "read by this request"


def test_a_page_from_memory_opens_no_orm_session(app):
    learner = signed_in(app)
    learner.get(URL)
    opened = []
    listener = lambda session, transaction: opened.append(session)  # noqa: E731
    event.listen(Session, "after_begin", listener)
    try:
        assert learner.get(URL).status_code == 200
    finally:
        event.remove(Session, "after_begin", listener)
    assert opened == []
    sessions = []
    app.teardown_appcontext_funcs.append(lambda _exc: sessions.append("db_session" in g))  # before db's own
    assert learner.get(URL).status_code == 200
    assert sessions == [False]  # not even created
    page = learner.get(URL).get_data(as_text=True)  # and a request that writes gets the account attached
    r = learner.post("/language", data={"csrf_token": csrf_from(page), "lang": "fr", "next": URL})
    assert r.status_code == 302


def test_an_unknown_account_id_is_signed_out(app):
    learner = signed_in(app)
    with learner.session_transaction() as sess:
        sess["_user_id"] = "987654"
    r = learner.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# The session cookie, decoded once per process


def count_loads(monkeypatch) -> list[int]:
    calls = [0]
    real = session_cookie.SecureCookieSessionInterface.get_signing_serializer

    def counting(self, app):
        serializer = real(self, app)
        original = serializer.loads

        def loads(*args, **kwargs):
            calls[0] += 1
            return original(*args, **kwargs)
        serializer.loads = loads
        return serializer
    monkeypatch.setattr(session_cookie.CookieSessions, "get_signing_serializer", counting)
    return calls


def test_the_same_cookie_is_verified_once(app, monkeypatch):
    learner = signed_in(app)
    learner.get(URL)
    calls = count_loads(monkeypatch)
    for _ in range(3):
        assert learner.get(URL).status_code == 200
    assert calls[0] == 0  # decoded when it was first seen


def test_another_cookie_beside_the_session_changes_nothing(app):
    learner = signed_in(app)
    assert learner.get(URL).status_code == 200
    learner.set_cookie("theme", "dark")  # a header never seen: the session cookie is read from it
    assert "Léa Martin" in learner.get(URL).get_data(as_text=True)
    stranger = app.test_client()
    stranger.set_cookie("theme", "dark")  # no session cookie at all
    r = stranger.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_an_altered_cookie_is_refused_even_after_the_real_one_was_kept(app):
    learner = signed_in(app)
    assert learner.get(URL).status_code == 200
    cookie = learner.get_cookie("session")
    payload, _, signature = cookie.value.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    intruder = app.test_client()
    intruder.set_cookie("session", forged)
    r = intruder.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_an_expired_cookie_is_refused_from_memory_too(make_app, monkeypatch):
    app = make_app(CONTENT_DIR=TEST_CONTENT, PERMANENT_SESSION_LIFETIME=timedelta(minutes=30))
    seed(app)
    learner = signed_in(app)
    assert learner.get(URL).status_code == 200  # kept
    real = session_cookie.time.time
    monkeypatch.setattr(session_cookie.time, "time", lambda: real() + 31 * 60)
    r = learner.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_session_holding_a_list_is_never_shared_between_requests(app):
    learner = signed_in(app)
    with learner.session_transaction() as sess:
        sess["_flashes"] = [("info", "First message")]
    cookie = learner.get_cookie("session").value
    twin = app.test_client()
    twin.set_cookie("session", cookie)
    assert "First message" in learner.get(URL).get_data(as_text=True)
    assert "First message" in twin.get(URL).get_data(as_text=True)  # its own copy: still there
    assert not [header for header in app.session_interface._decoded if cookie in header]  # not kept


# The signed CSRF token, reused for a minute


def test_the_signed_token_is_reused_for_a_minute_then_signed_again(app, monkeypatch):
    learner = signed_in(app)
    first = csrf_from(learner.get(URL).get_data(as_text=True))
    assert csrf_from(learner.get(URL).get_data(as_text=True)) == first
    real = page_cache.time.monotonic
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: real() + page_cache.SIGNED_TOKEN_REUSE + 1)
    import itsdangerous.timed
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + page_cache.SIGNED_TOKEN_REUSE + 1)
    later = csrf_from(learner.get(URL).get_data(as_text=True))
    assert later != first
    for token in (first, later):  # both valid for the form
        r = learner.post(f"/lessons/{lesson_id(app)}/done", data={"csrf_token": token})
        assert r.status_code == 302


def test_another_sessions_token_is_never_reused(app):
    first, second = signed_in(app), signed_in(app)
    tokens = {csrf_from(c.get(URL).get_data(as_text=True)) for c in (first, second, first, second)}
    assert len(tokens) == 2


def lesson_id(app) -> int:
    with app.app_context():
        return db.session().exec(select(Lesson).where(Lesson.slug == "intro")).one().id


def test_flask_session_is_untouched_by_a_cached_page(app):
    learner = signed_in(app)
    learner.get(URL)
    before = learner.get_cookie("session").value
    learner.get(URL)
    assert learner.get_cookie("session").value == before  # nothing to re-sign on a page from memory


def test_the_session_after_the_account_read_is_transactional(app):
    """The account is read first (autocommit on PostgreSQL: no transaction left open by it); the session
    that follows has a transaction of its own: a rollback undoes, a commit keeps."""
    with app.test_request_context():
        learner_id = db.connection().execute(select(User.id).where(User.email == "learner@example.org")).scalar()
        user = db.attach(accounts.signed_in(db.connection(), learner_id))
        raw = db.connection().connection.dbapi_connection
        if db.connection().dialect.name == "postgresql":
            import psycopg
            assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # nothing begun, nothing held
        s = db.session()
        assert s.get(User, learner_id) is user  # attached: no second copy
        user.name = "Changed, then rolled back"
        s.flush()
        s.rollback()
        with db.new_session() as other:
            assert other.get(User, learner_id).name == "Léa Martin"
        user.name = "Léa Martin-Durand"
        s.commit()
        with db.new_session() as other:
            assert other.get(User, learner_id).name == "Léa Martin-Durand"
