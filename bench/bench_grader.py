"""How much time the grader adds to an attempt, beyond the model's own latency.

    .venv/bin/python bench/bench_grader.py [--n 200]

Grades the reference solutions of every shipped exercise through the real pipeline: LiteLLM
calls a loopback OpenAI-compatible server (tests/fakellm.py) that answers at once, so the time
measured is the grader's own work (checks, judge prompt, LiteLLM, HTTP on loopback, parsing),
not a model's. Prints per attempt: the whole grade, the part spent inside LLM calls (LiteLLM and
loopback HTTP, the model itself answering in ~0 ms), the rest of the pipeline, the grade without
any model (deterministic criteria only), and the confidentiality scan.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from fakellm import FakeLLM, Reply  # noqa: E402

from graders import LLMClient, LLMSettings, grade  # noqa: E402
from graders.confidential import scan  # noqa: E402
from lms.services.content import load_tree  # noqa: E402


def judge_all(body):
    fmt = body.get("response_format")
    if not fmt:
        return Reply(content="| decision | owner | due |\n| budget | Alice | Friday |")
    ids = fmt["json_schema"]["schema"]["properties"]["criteria"]["items"]["properties"]["id"]["enum"]
    return Reply(content=json.dumps({"criteria": [{"id": i, "rationale": "ok", "level": 4} for i in ids],
                                     "improvements": []}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200, help="attempts to grade")
    args = parser.parse_args()
    tree = load_tree(ROOT)
    specs = [ex.spec for _, ex in sorted(tree.exercises.items())]
    work = [(specs[i % len(specs)], ("en", "fr")[i % 2]) for i in range(args.n)]
    server = FakeLLM().start()
    server.default = judge_all
    llm = LLMClient(LLMSettings(grader_model="openai/judge", target_model="openai/target", api_base=server.url,
                                api_key="bench", num_retries=0, timeout=10))
    grade(specs[0], specs[0].reference_solution["en"], "en", llm)  # warm up: import LiteLLM, build the router
    totals, in_calls, offline, scans, ncalls = [], [], [], [], []
    for spec, lang in work:
        prompt = spec.reference_solution[lang]
        started = time.perf_counter()
        report = grade(spec, prompt, lang, llm)
        totals.append((time.perf_counter() - started) * 1000)
        in_calls.append(sum(c["latency_ms"] for c in report.calls))
        ncalls.append(len(report.calls))
        started = time.perf_counter()
        grade(spec, prompt, lang, LLMClient(LLMSettings()))
        offline.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        scan(prompt)
        scans.append((time.perf_counter() - started) * 1000)
    server.stop()
    rest = [t - c for t, c in zip(totals, in_calls)]

    def line(name, values):
        values = sorted(values)
        p95 = values[int(0.95 * (len(values) - 1))]
        print(f"{name:<52} mean {statistics.mean(values):7.2f} ms   median {statistics.median(values):7.2f} ms"
              f"   p95 {p95:7.2f} ms")

    print(f"{len(work)} attempts over {len(specs)} exercises; LLM calls per attempt: "
          f"{statistics.mean(ncalls):.2f} (a target run when the exercise has one, and one judge call)")
    line("whole grade, model answering at once", totals)
    line("  of which inside LLM calls (LiteLLM + loopback HTTP)", in_calls)
    line("  of which the rest of the pipeline", rest)
    line("grade without a model (deterministic criteria only)", offline)
    line("confidentiality scan of the prompt", scans)


if __name__ == "__main__":
    main()
