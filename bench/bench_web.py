"""Web throughput: the lesson page, the exercise page and the submit endpoint under gunicorn,
side by side with a bare Flask "hello" app served with the same gunicorn settings.

    .venv/bin/python bench/bench_web.py [--workers 2] [--worker-class sync] [--threads 1]
        [--clients 8] [--client-processes 2] [--seconds 10] [--rounds 3] [--db sqlite|postgresql]

Builds a database in a temporary folder (SQLite, or a fresh database on the PostgreSQL server of
LMS_BENCH_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test, dropped at the
end) by the migrations, loads the shipped content, signs a learner in once per client and drives
each page with concurrent clients (threads in a few processes, http.client). Prints requests per
second, p50 and p95 latency of each, and the ratio lesson / hello (hello and lesson measured in
turns, the median of --rounds ratios: a shared machine's slower moments weigh on both); then the
queries and CPU time of one lesson and one exercise page, measured in this process before the load.

A second yardstick is measured in the same turns: bare Flask plus one query, the account's row read
by its primary key on the same database (hello_app.query_app). A signed-in page must make that
round trip to see a deactivation at the next request; its ratio to hello is what one query costs
by itself on the machine, and lesson / (hello + 1 query) is what the platform adds to it.
Figures, not assertions.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench-password"

from scratch_db import scratch_database  # noqa: E402 (beside this file)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(conn: http.client.HTTPConnection, method: str, path: str, cookie: str = "", body: str | None = None):
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.will_close:
        conn.close()  # http.client opens a new connection for the next request
    return response, data


def serve(port: int, app: str, args, env: dict, chdir: str | None = None) -> subprocess.Popen:
    cmd = [str(BIN / "gunicorn"), "-w", str(args.workers), "-k", args.worker_class, "--threads", str(args.threads),
           "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    if chdir:
        cmd += ["--chdir", chdir]
    process = subprocess.Popen(cmd + [app], env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            request(conn, "GET", "/login" if app.startswith("lms") else "/")
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{app} did not start")


def sign_in(port: int) -> tuple[str, str]:
    """A learner's session cookie and its CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    response, data = request(conn, "GET", "/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = CSRF.search(data.decode()).group(1)
    body = urllib.parse.urlencode({"email": "learner@example.org", "password": PASSWORD, "csrf_token": token})
    response, _ = request(conn, "POST", "/login", cookie, body)
    assert response.status == 302, response.status
    cookie = response.getheader("Set-Cookie").split(";")[0]
    _, data = request(conn, "GET", "/", cookie)
    return cookie, CSRF.search(data.decode()).group(1)


def client_process(port: int, method: str, path: str, sessions: list[tuple[str, str]], seconds: float,
                   expect: int) -> tuple[list[float], int]:
    """Threads of one client process, one signed-in session each, for `seconds`."""
    import threading

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop(cookie: str, token: str):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad, i = [], 0, 0
        while time.monotonic() < stop_at:
            body = None
            if method == "POST":
                body = urllib.parse.urlencode({"csrf_token": token, "prompt": f'Bench {uuid.uuid4().hex} {i}: '
                                               'summarise """{{input}}""" as a table of decisions and owners.'})
            started = time.perf_counter()
            try:
                response, _ = request(conn, method, path, cookie, body)
                ok = response.status == expect
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            mine.append(time.perf_counter() - started)
            bad += not ok
            i += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=loop, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def load(port: int, method: str, path: str, sessions, args, expect: int = 200) -> dict:
    groups = [sessions[i::args.client_processes] for i in range(args.client_processes)]
    started = time.monotonic()
    with cf.ProcessPoolExecutor(len(groups)) as pool:
        results = list(pool.map(client_process, [port] * len(groups), [method] * len(groups), [path] * len(groups),
                                groups, [args.seconds] * len(groups), [expect] * len(groups)))
    elapsed = time.monotonic() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / min(elapsed, args.seconds + 0.5), "p50": q[49] * 1000, "p95": q[94] * 1000,
            "n": len(latencies), "errors": sum(e for _, e in results)}


def prepare(url: str, folder: str) -> tuple[str, str]:
    """Migrate, load the shipped content and the demo accounts; the first lesson and exercise."""
    from sqlmodel import select

    from lms import create_app, db
    from lms.models import Course, Exercise, Lesson, Module
    from lms.services import content, settings
    from lms.services.accounts import ensure_demo_accounts

    db.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "QUEUE_FILE": f"{folder}/queue.db"})
    with app.app_context(), db.new_session() as s:
        content.sync(s, app.config["CONTENT_DIR"])
        ensure_demo_accounts(s, PASSWORD)
        settings.put(s, "daily_submissions", 10**9)
        course = s.exec(select(Course).where(Course.status == "published").order_by(Course.id)).first()
        module = s.exec(select(Module).where(Module.course_id == course.id).order_by(Module.position)).first()
        lesson = s.exec(select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)).first()
        exercise = s.exec(select(Exercise).where(Exercise.module_id == module.id)).first() \
            or s.exec(select(Exercise).order_by(Exercise.id)).first()
        paths = f"/courses/{course.slug}/{module.slug}/{lesson.slug}", f"/exercises/{exercise.slug}"
    app.extensions["engine"].dispose()
    return paths


def in_process(url: str, folder: str, path: str, n: int = 300) -> tuple[int, float]:
    """Queries and CPU milliseconds of one GET of `path` by a signed-in learner, in this process
    (Flask's test client, after a first GET): figures beside the throughput, not part of it."""
    from sqlalchemy import event

    from lms import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "QUEUE_FILE": f"{folder}/queue.db",
                      "REDIS_URL": None})
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": token})
    assert client.get(path).status_code == 200
    statements: list[str] = []
    event.listen(app.extensions["engine"], "before_cursor_execute", lambda *a: statements.append(a[2]))
    client.get(path)
    queries = len(statements)
    started = time.process_time()
    for _ in range(n):
        client.get(path)
    cpu = (time.process_time() - started) / n * 1000
    app.extensions["engine"].dispose()
    return queries, cpu


def median(values: list[float]) -> float:
    return values[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (signed-in sessions)")
    parser.add_argument("--client-processes", type=int, default=2, help="processes the clients run in")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each measure")
    parser.add_argument("--rounds", type=int, default=3, help="hello / lesson measures, in turns")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="lms-bench-web-")
    url, drop = scratch_database(args.db, folder, "lms_bench")
    processes = []
    try:
        lesson, exercise = prepare(url, folder)
        figures = {name: in_process(url, folder, path) for name, path in (("lesson page", lesson),
                                                                           ("exercise page", exercise))}
        env = dict(os.environ, LMS_DATABASE_URL=url, LMS_SECRET_KEY="bench", LMS_INSTANCE_PATH=folder,
                   LMS_QUEUE_FILE=f"{folder}/queue.db")
        for name in ("LMS_REDIS_URL", "LMS_GRADER_MODEL", "LMS_LLM_CONFIG"):
            env.pop(name, None)
        hello_port, query_port, port = free_port(), free_port(), free_port()
        processes.append(serve(hello_port, "hello_app:app", args, env, chdir=str(ROOT / "bench")))
        processes.append(serve(query_port, "hello_app:query_app", args, env, chdir=str(ROOT / "bench")))
        processes.append(serve(port, "lms.wsgi:app", args, env))
        sessions = [sign_in(port) for _ in range(args.clients)]
        anonymous = [("", "")] * args.clients
        # the three in turns, so that a slower moment of a shared machine weighs on all
        rounds = [(load(hello_port, "GET", "/", anonymous, args), load(query_port, "GET", "/", anonymous, args),
                   load(port, "GET", lesson, sessions, args)) for _ in range(args.rounds)]
        ratios = sorted(lesson_r["rps"] / hello_r["rps"] for hello_r, _, lesson_r in rounds)
        query_ratios = sorted(query_r["rps"] / hello_r["rps"] for hello_r, query_r, _ in rounds)
        added_ratios = sorted(lesson_r["rps"] / query_r["rps"] for _, query_r, lesson_r in rounds)
        middle = sorted(rounds, key=lambda r: r[2]["rps"] / r[0]["rps"])[len(rounds) // 2]
        rows = [("hello (bare Flask)", middle[0]), ("hello + 1 query", middle[1]), ("lesson page", middle[2]),
                ("exercise page", load(port, "GET", exercise, sessions, args)),
                ("submit", load(port, "POST", exercise + "/submit", sessions, args, expect=302))]

        print(f"\ngunicorn -w {args.workers} -k {args.worker_class} --threads {args.threads}; {args.clients} clients "
              f"in {args.client_processes} processes; {args.seconds:g} s each; {args.db}; {os.cpu_count()} CPU(s)")
        print(f"{'endpoint':<20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'requests':>9} {'errors':>7}")
        for name, r in rows:
            print(f"{name:<20} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['n']:>9} {r['errors']:>7}")
        for label, values in (("lesson / hello", ratios), ("hello + 1 query / hello", query_ratios),
                              ("lesson / (hello + 1 query)", added_ratios)):
            print(f"{label + ' throughput:':<38} {median(values):.2f} (median of {args.rounds} rounds: "
                  f"{', '.join(f'{r:.2f}' for r in values)})")
        print("(the three measured in turns; the rows above are the round of the median lesson / hello)")
        for name, (queries, cpu) in figures.items():
            count = f"{queries} query" if queries == 1 else f"{queries} queries"
            print(f"{name} in this process (test client): {count}, {cpu:.2f} ms CPU per request")
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(timeout=30)
        drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
