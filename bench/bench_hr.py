"""HR's dashboard and exports at the size of a large company, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_hr.py [--learners 100000] [--departments 50] [--attempts 5000000]
                                       [--backends sqlite,postgresql] [--runs 5] [--keep DIR] [--reuse]

Builds each database with the migrations, loads the repository's courses and the demo accounts,
then generates with fast bulk inserts (executemany on SQLite, COPY on PostgreSQL): the learners,
nested departments (divisions and their teams), cohorts, tracks assigned to every division, to
the cohorts and to single people, certificates (valid, expired, expiring soon, revoked) and the
graded attempts. Then it times, through the real Flask views (the test client, signed in as HR):
the dashboard `/hr/` (median of --runs, after one warm-up; then again with its cached aggregates
dropped before each visit, as after a change of data) and the full CSV export
`/hr/export/status.csv` (every person and assigned track, streamed), and prints rows per second.

PostgreSQL: LMS_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
the benchmark creates its own database and drops it at the end. SQLite: a file in a temporary
folder, removed at the end (unless --keep).

--reuse (with --keep DIR for SQLite): measure again on the data of an earlier run instead of
generating it anew (the migrations are still applied first): SQLite reuses DIR/bench.db, PostgreSQL
keeps its database `bench_hr_kept` (created on the first run, never dropped).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import sqlalchemy as sa  # noqa: E402

from lms import create_app, db  # noqa: E402

PG_URL = os.environ.get("LMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password"
CHUNK = 50_000


# -- bulk loading -------------------------------------------------------------------------------
class Loader:
    """Inserts many rows fast: executemany in one transaction (SQLite), COPY (PostgreSQL)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"

    def value(self, v):
        if isinstance(v, datetime) and not self.pg:
            return v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format
        if isinstance(v, dict):
            return json.dumps(v)
        return v

    def insert(self, table: str, columns: list[str], rows) -> int:
        raw = self.engine.raw_connection()
        n = 0
        try:
            cur = raw.cursor()
            if self.pg:
                cols = ", ".join(f'"{c}"' for c in columns)
                with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([self.value(v) for v in row])
                        n += 1
            else:
                sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
                batch = []
                for row in rows:
                    batch.append([self.value(v) for v in row])
                    if len(batch) >= CHUNK:
                        cur.executemany(sql, batch)
                        n += len(batch)
                        batch = []
                if batch:
                    cur.executemany(sql, batch)
                    n += len(batch)
            raw.commit()
        finally:
            raw.close()
        return n

    def max_id(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')).scalar_one()

    def finish(self, tables: list[str]) -> None:
        with self.engine.begin() as conn:
            if self.pg:
                for t in tables:
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
                                         f"(SELECT COALESCE(MAX(id), 1) FROM \"{t}\"))"))
                conn.execute(sa.text("ANALYZE"))
            else:
                conn.execute(sa.text("ANALYZE"))


def generate(app, learners: int, departments: int, attempts: int, seed: int = 7) -> dict:
    from sqlmodel import select

    from lms.models import Course, Exercise, User

    rnd = random.Random(seed)
    engine = app.extensions["engine"]
    load = Loader(engine)
    now = datetime.now(timezone.utc)
    today = now.date()
    counts = {}
    with app.app_context(), db.new_session() as s:
        courses = [c.id for c in s.exec(select(Course).order_by(Course.position)) if c.certification]
        exercises = list(s.exec(select(Exercise.id)))
        hr_id = s.exec(select(User.id).where(User.email == "hr@example.org")).one()

    # departments: divisions, each with teams (nested), `departments` in all
    divisions = max(1, departments // 5)
    dept_rows, leaves = [], []
    next_id = load.max_id("department") + 1
    for d in range(divisions):
        top = next_id
        dept_rows.append((top, None, f"Division {d:02d}", f"Division {d:02d}", now))
        next_id += 1
        for t in range(departments // divisions - 1):
            dept_rows.append((next_id, top, f"Team {t}", f"Division {d:02d}/Team {t}", now))
            leaves.append(next_id)
            next_id += 1
    leaves = leaves or [r[0] for r in dept_rows]
    counts["departments"] = load.insert("department", ["id", "parent_id", "name", "path", "created_at"], dept_rows)
    cohort_ids = list(range(load.max_id("cohort") + 1, load.max_id("cohort") + 21))
    load.insert("cohort", ["id", "name", "created_at"], [(c, f"Cohort {c}", now) for c in cohort_ids])

    first = load.max_id("user") + 1
    user_ids = list(range(first, first + learners))
    counts["learners"] = load.insert(
        "user", ["id", "email", "name", "password_hash", "role", "active", "created_at"],
        ((u, f"person{u}@bench.example.org", f"Person {u:06d}", "", "learner", True, now) for u in user_ids))
    load.insert("department_member", ["department_id", "user_id"], ((rnd.choice(leaves), u) for u in user_ids))
    in_cohort = [u for u in user_ids if rnd.random() < 0.5]
    load.insert("cohort_member", ["cohort_id", "user_id"], ((rnd.choice(cohort_ids), u) for u in in_cohort))

    # assignments: the first track to every division, the second to every cohort, the third to 1% of people
    a_rows = [(courses[0], r[0], None, None, today + timedelta(days=rnd.randint(-60, 90)), now, hr_id)
              for r in dept_rows if r[1] is None]
    if len(courses) > 1:
        a_rows += [(courses[1], None, c, None, today + timedelta(days=rnd.randint(-30, 120)), now, hr_id)
                   for c in cohort_ids]
    singles = rnd.sample(user_ids, max(1, learners // 100))
    if len(courses) > 2:
        a_rows += [(courses[2], None, None, u, today + timedelta(days=rnd.randint(-30, 60)), now, hr_id)
                   for u in singles]
    counts["assignments"] = load.insert(
        "assignment", ["course_id", "department_id", "cohort_id", "user_id", "due_on", "created_at", "created_by"],
        a_rows)

    # certificates: 60% of the first track's learners, 40% of the second's; some expired, some expiring, some revoked
    def certs():
        pid = 0
        for course, population, share in ((courses[0], user_ids, 0.6), (courses[-1], in_cohort, 0.4)):
            for u in population:
                if rnd.random() >= share:
                    continue
                pid += 1
                issued = now - timedelta(days=rnd.randint(1, 800))
                revoked = now if rnd.random() < 0.01 else None
                yield (f"bench-{pid}", u, course, f"Person {u:06d}", {"en": "Bench certificate"}, issued,
                       issued + timedelta(days=730), revoked)
    counts["certificates"] = load.insert(
        "certificate", ["public_id", "user_id", "course_id", "holder_name", "title", "issued_at", "expires_at",
                        "revoked_at"], certs())

    # graded attempts
    def attempt_rows():
        start = now - timedelta(days=365)
        for _ in range(attempts):
            created = start + timedelta(seconds=rnd.randint(0, 365 * 86400))
            score = rnd.randint(0, 100)
            yield (rnd.choice(user_ids), rnd.choice(exercises), "en", "a prompt written for the benchmark",
                   "0" * 64, "graded", float(score), score >= 60, "bench", 1, created, created)
    t0 = time.perf_counter()
    counts["attempts"] = load.insert(
        "attempt", ["user_id", "exercise_id", "lang", "prompt", "prompt_hash", "status", "score", "passed",
                    "grader_key", "grading_runs", "created_at", "graded_at"], attempt_rows())
    counts["attempts_load_s"] = round(time.perf_counter() - t0, 1)
    load.finish(["department", "cohort", "user", "department_member", "cohort_member", "assignment",
                 "certificate", "attempt"])
    # rows inserted around the application: derive each person's tracks as `lms hr refresh` does
    from lms.services import hr_org

    t0 = time.perf_counter()
    with app.app_context(), db.new_session() as s:
        counts["assigned_tracks"] = hr_org.refresh_tracks(s)
        s.commit()
    counts["refresh_s"] = round(time.perf_counter() - t0, 1)
    load.finish([])
    return counts


# -- timing -------------------------------------------------------------------------------------
def measure(app, runs: int) -> dict:
    from conftest import Auth

    client = app.test_client()
    assert Auth(client).login("hr@example.org", PASSWORD).status_code == 302
    assert client.get("/hr/").status_code == 200  # warm-up
    times, cold = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get("/hr/")
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200
    for _ in range(runs):  # the first visit after a change of data: the aggregates computed anew
        app.extensions.pop("hr_cache", None)
        t0 = time.perf_counter()
        assert client.get("/hr/").status_code == 200
        cold.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    r = client.get("/hr/export/status.csv")
    size = rows = 0
    for chunk in r.response:
        size += len(chunk)
        rows += chunk.count(b"\r\n") if isinstance(chunk, bytes) else chunk.count("\r\n")
    export_s = time.perf_counter() - t0
    r.close()
    return {"dashboard_ms": round(1000 * statistics.median(times), 1), "dashboard_min_ms": round(1000 * min(times), 1),
            "dashboard_uncached_ms": round(1000 * statistics.median(cold), 1),
            "export_rows": rows - 1, "export_s": round(export_s, 2),
            "export_rows_per_s": round((rows - 1) / export_s) if export_s else None, "export_mb": round(size / 1e6, 1)}


def prepare(url: str, args) -> tuple:
    from lms.services import content
    from lms.services.accounts import ensure_demo_accounts

    db.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "REDIS_URL": None,
                      "HR_MIN_GROUP_SIZE": 5})
    with app.app_context(), db.new_session() as s:
        content.sync(s, app.config["CONTENT_DIR"])
        ensure_demo_accounts(s, PASSWORD)
    if args.reuse and _generated(app):
        return app, {"reused": True}
    t0 = time.perf_counter()
    counts = generate(app, args.learners, args.departments, args.attempts)
    counts["load_s"] = round(time.perf_counter() - t0, 1)
    return app, counts


def _generated(app) -> bool:
    with app.extensions["engine"].connect() as conn:
        return bool(conn.execute(sa.text("SELECT COUNT(*) FROM \"user\" WHERE email LIKE '%@bench.example.org'"))
                    .scalar_one())


def run_sqlite(args) -> dict:
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-hr-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    if not (args.reuse and args.keep):
        path.unlink(missing_ok=True)
    try:
        app, counts = prepare(f"sqlite:///{path}", args)
        result = {**counts, **measure(app, args.runs), "db_mb": round(path.stat().st_size / 1e6)}
        app.extensions["engine"].dispose()
        return result
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def run_postgresql(args) -> dict:
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = "bench_hr_kept" if args.reuse else f"bench_hr_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        app, counts = prepare(url, args)
        result = {**counts, **measure(app, args.runs)}
        app.extensions["engine"].dispose()
        return result
    finally:
        if not args.reuse:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--departments", type=int, default=50)
    parser.add_argument("--attempts", type=int, default=5_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="SQLite: keep the database in this folder")
    parser.add_argument("--reuse", action="store_true", help="measure again on the data of an earlier run")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        t0 = time.perf_counter()
        result = {"sqlite": run_sqlite, "postgresql": run_postgresql}[backend.strip()](args)
        result["total_s"] = round(time.perf_counter() - t0, 1)
        print(f"{backend}: dashboard {result['dashboard_ms']} ms (median of {args.runs}; best "
              f"{result['dashboard_min_ms']} ms; {result['dashboard_uncached_ms']} ms after a change of data, "
              f"the aggregates not cached); CSV export {result['export_rows']} rows in {result['export_s']} s "
              f"= {result['export_rows_per_s']} rows/s ({result['export_mb']} MB)")
        print(f"  data: {json.dumps(result)}", flush=True)


if __name__ == "__main__":
    main()
