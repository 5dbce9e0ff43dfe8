"""An exam wave: 1,000 submissions graded by 2 `lms worker` processes against a model that takes
a set time to answer.

    .venv/bin/python bench/bench_wave.py [--attempts 1000] [--latency 1.0] [--workers 2]
        [--concurrency 32] [--queue redis|sqlite] [--db postgresql|sqlite] [--submitters 8]

The loopback OpenAI-compatible server (tests/fakellm.py) answers every call after `--latency`
seconds (the target model's output, then the judge's JSON verdict: two calls per attempt). The
attempts are submitted through the platform's submit service (grading.submit: stored, then
enqueued) by `--submitters` threads, as many learners would, while the workers consume the
queue (Redis, LMS_BENCH_REDIS_URL, default redis://127.0.0.1:6379/14, or a SQLite file) and
write to the database (a fresh one on LMS_BENCH_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test, dropped at the end; or a SQLite file).

Prints: the time from the first submit to the last grade; the platform's own time per attempt
outside the model, measured two ways (the workers' CPU time per attempt, and from the stored
figures: time between the claim and the stored grade minus the time spent in LLM calls); the
peak resident memory of each worker (VmHWM); and checks that each attempt was graded once.
Figures, not assertions.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
BIN = Path(sys.executable).parent
CONTENT = str(ROOT / "tests" / "content")

from fakellm import FakeLLM  # noqa: E402
from scratch_db import scratch_database  # noqa: E402 (beside this file)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the model takes to answer")
    parser.add_argument("--workers", type=int, default=2, help="`lms worker` processes")
    parser.add_argument("--concurrency", type=int, default=32, help="grading threads per worker")
    parser.add_argument("--queue", choices=["redis", "sqlite"], default="redis")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--submitters", type=int, default=8, help="threads submitting, as many learners")
    parser.add_argument("--learners", type=int, default=100)
    args = parser.parse_args()

    from conftest import model_like
    from sqlmodel import select

    from lms import create_app, db
    from lms.models import Attempt, Exercise, User
    from lms.services import content, grading, settings

    answer = model_like(level=4)

    def slow(body):
        reply = answer(body)
        reply.delay = args.latency
        return reply

    llm = FakeLLM().start()
    llm.default = slow
    folder = tempfile.mkdtemp(prefix="lms-bench-wave-")
    url, drop = scratch_database(args.db, folder, "lms_wave")
    queue_name = f"lms-wave-{uuid.uuid4().hex[:8]}"
    redis_url = os.environ.get("LMS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14") if args.queue == "redis" else None
    workers: list[subprocess.Popen] = []
    try:
        db.upgrade(url)
        from graders import LLMClient, LLMSettings

        app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url, "QUEUE_NAME": queue_name, "SECRET_KEY": "x",
                          "QUEUE_FILE": f"{folder}/queue.db", "CONTENT_DIR": CONTENT,
                          "LLM": LLMClient(LLMSettings(grader_model="openai/judge", target_model="openai/target"))})
        with app.app_context(), db.new_session() as s:
            content.sync(s, CONTENT)
            settings.put(s, "daily_submissions", 10**9)
            for i in range(args.learners):
                s.add(User(email=f"learner{i}@wave.example.org", name=f"Learner {i}", password_hash="-"))
            s.commit()
            learner_ids = [u.id for u in s.exec(select(User).where(User.email.like("%@wave.example.org")))]
            exercise_id = s.exec(select(Exercise).where(Exercise.slug == "mini-brief")).one().id

        # Priced deployments, as a production model is (LiteLLM's price map, or these keys for a
        # self-hosted one): the cost of each call is recorded.
        router = Path(folder) / "router.yaml"
        router.write_text("model_list:\n" + "".join(
            f"  - model_name: {alias}\n    litellm_params: {{model: openai/{name}, api_base: '{llm.url}', "
            f"api_key: k, input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001}}\n"
            for alias, name in (("grader", "judge"), ("target", "target"))))
        env = dict(os.environ, LMS_DATABASE_URL=url, LMS_QUEUE_NAME=queue_name, LMS_CONTENT_DIR=CONTENT,
                   LMS_LLM_CONFIG=str(router), LMS_SECRET_KEY="x", LMS_INSTANCE_PATH=folder,
                   LMS_QUEUE_FILE=f"{folder}/queue.db", LMS_LLM_TIMEOUT=str(max(30, 10 * args.latency)))
        env.pop("LMS_REDIS_URL", None)
        if redis_url:
            env["LMS_REDIS_URL"] = redis_url
        workers = [subprocess.Popen([str(BIN / "lms"), "worker", "--concurrency", str(args.concurrency)], env=env,
                                    text=True, stdout=subprocess.PIPE, stderr=open(f"{folder}/worker{i}.log", "w"))
                   for i in range(args.workers)]
        for w in workers:
            w.stdout.readline()  # "Worker consuming ...": LiteLLM imported, router built
        cpu_before = [cpu_seconds(w.pid) for w in workers]

        def submit(i: int) -> None:
            with app.test_request_context(), db.new_session() as s:
                user = s.get(User, learner_ids[i % len(learner_ids)])
                exercise = s.get(Exercise, exercise_id)
                grading.submit(s, user, exercise, f'Wave attempt {i}: summarise """{{{{input}}}}""" as a table '
                                                  "of decisions, owners and deadlines.", "en")

        started = time.monotonic()
        with cf.ThreadPoolExecutor(args.submitters) as pool:
            list(pool.map(submit, range(args.attempts)))
        submitted = time.monotonic() - started
        print(f"{args.attempts} attempts submitted in {submitted:.1f} s "
              f"({1000 * submitted / args.attempts * args.submitters:.1f} ms each per submitting thread)")

        final = ("graded", "awaiting_review", "error")
        while True:
            with app.app_context(), db.new_session() as s:
                rows = list(s.exec(select(Attempt.status, Attempt.grading_runs)))
            done = sum(1 for status, _ in rows if status in final)
            if done == args.attempts or time.monotonic() - started > 1800:
                break
            time.sleep(0.5)
        cpu = sum(cpu_seconds(w.pid) - before for w, before in zip(workers, cpu_before))
        peaks = [peak_rss_mb(w.pid) for w in workers]

        with app.app_context(), db.new_session() as s:
            attempts = list(s.exec(select(Attempt)))
        first = min(a.created_at for a in attempts)
        last = max(a.graded_at for a in attempts if a.graded_at)
        wall = (last - first).total_seconds()
        own = [((a.graded_at - a.claimed_at).total_seconds() * 1000 - (a.report or {}).get("latency_ms", 0))
               for a in attempts if a.graded_at and a.claimed_at]
        calls = [c for a in attempts for c in (a.report or {}).get("calls", [])]
        in_llm = [c["latency_ms"] - 1000 * args.latency for c in calls]
        client_cpu = sum(c.get("cpu_ms", 0) for c in calls) / args.attempts
        thread_cpu = sum((a.report or {}).get("cpu_ms", 0) for a in attempts) / args.attempts
        statuses = {}
        for a in attempts:
            statuses[a.status] = statuses.get(a.status, 0) + 1
        judge_calls = len([r for r in llm.requests if r.get("response_format")])

        print(f"\n{args.attempts} attempts, model latency {args.latency:g} s, {args.workers} workers x "
              f"{args.concurrency} threads, queue {args.queue}, database {args.db}, {os.cpu_count()} CPU(s)")
        print(f"first submit -> last grade:        {wall:.1f} s ({args.attempts / wall:.1f} attempts/s)")
        print(f"statuses:                          {statuses}; grading runs {sum(a.grading_runs for a in attempts)}; "
              f"judge calls {judge_calls}")
        print(f"workers' CPU per attempt:          {1000 * cpu / args.attempts:.1f} ms "
              "(everything the workers do: queue, database, checks, LiteLLM, HTTP)")
        print(f"  of which LiteLLM + HTTP client:  {client_cpu:.1f} ms (CPU of the grading threads inside the calls)")
        print(f"  platform's own CPU per attempt:  {1000 * cpu / args.attempts - client_cpu:.1f} ms "
              "(the rest: queue, database, checks, report, certificates)")
        print(f"    from claim to report:          {thread_cpu - client_cpu:.1f} ms (outside the LLM calls); the "
              "rest after it (the result's write, the certificate check, the queue) and in LiteLLM's logging thread")
        print(f"claim -> stored, minus LLM calls:  p50 {statistics.median(own):.1f} ms, "
              f"p95 {statistics.quantiles(own, n=20)[18]:.1f} ms (wall time, includes waiting for the GIL)")
        print(f"LiteLLM + HTTP beyond the model:   p50 {statistics.median(in_llm):.1f} ms per call (wall), "
              f"{len(calls) / args.attempts:.1f} calls per attempt, cost {sum(c['cost'] for c in calls):.4f} $ in all")
        print("peak RSS per worker:               " + ", ".join(f"{p:.0f} MB" for p in peaks))
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        if redis_url:
            from huey import RedisHuey

            RedisHuey(queue_name, url=redis_url).flush()
        llm.stop()
        drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
