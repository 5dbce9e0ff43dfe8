"""A grader trainers can trust: judge prompt structure, samples and median, cache, budgets,
and the confidentiality policy before any learner text leaves for a model."""
import json

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, drain, llm_client, model_like, seed
from fakellm import Reply, json_reply
from specs import GOOD_PROMPT, minutes_spec
from sqlmodel import select

from graders import grade, parse_exercise
from graders.judge import build_request, reply_schema
from lms import db
from lms.models import Attempt, TargetRun
from lms.services import settings

EMAIL = "jean.dupont@client-example.fr"
PROMPT = 'You write minutes for the project team.\n"""{{input}}"""'


@pytest.fixture
def spec():
    data = minutes_spec()
    data["reference_solution"] = {"en": "REFERENCE PROMPT EN", "fr": "REFERENCE PROMPT FR"}
    data["calibration"] = [
        {"id": f"s{i}", "lang": "en", "prompt": f"SAMPLE {i}", "expected_pass": False,
         "scores": {"delimits": 0, "audience": 0, "short": 1, "no-email": 1, "table-out": 0, "quality": i}}
        for i in range(4)]
    return parse_exercise(data)


def test_judge_prompt_structure(spec):
    c = spec.criterion("quality")
    request = build_request(spec, [c], "Hi <b>there</b>", None, "en")
    system, user = request.messages[0]["content"], request.messages[1]["content"]
    assert reply_schema([c])["properties"]["criteria"]["items"]["required"] == ["id", "rationale", "level"]
    assert "REFERENCE PROMPT EN" in system and "SAMPLE 0" in system and "quality: 0" in system
    assert "<b>" not in user and "\\u003cb>there" in user
    assert user.strip().endswith("Answer with JSON only.")  # the reminder follows the data
    again = build_request(spec, [c], "other text", None, "en")
    assert again.system_hash == request.system_hash and again.nonce != request.nonce


def _judge(level):
    return json_reply({"criteria": [{"id": "quality", "rationale": f"r{level}", "level": level}],
                       "improvements": []})


@pytest.mark.parametrize("levels,median,flagged", [((1, 4, 2), 2, True), ((2, 2, 3), 2, False)])
def test_median_of_judge_samples_and_spread_flag(spec, llm_server, levels, median, flagged):
    llm_server.script(Reply(content="| a |"), model="target")
    llm_server.script(*[_judge(x) for x in levels], model="judge")
    report = grade(spec, GOOD_PROMPT, "en", llm_client(llm_server, judge_samples=3, judge_max_spread=1))
    quality = next(c for c in report.criteria if c.id == "quality")
    assert quality.level == median and quality.rationale == f"r{median}"
    assert report.judge_samples == [{"quality": x} for x in levels]
    assert ("judge-disagreement" in report.flags) is flagged
    assert report.status == ("awaiting_review" if flagged else "graded")
    assert len(report.calls) == 4 and report.rubric_hash and report.judge_prompt_hash


@pytest.fixture
def app(make_app, llm_server):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    seed(app)
    return app


@pytest.fixture
def client(app):
    client = app.test_client()
    Auth(client).login()
    return client


def _post(client, path, prompt):
    page = client.get("/exercises/mini-brief").get_data(as_text=True)
    return client.post(path, data={"prompt": prompt, "csrf_token": csrf_from(page)})


def test_identical_submissions_reuse_the_grade_without_a_new_call(app, client, llm_server):
    app.config["DOUBLE_SUBMIT_SECONDS"] = 0  # a later resubmission, not a double click
    _post(client, "/exercises/mini-brief/submit", PROMPT)
    drain(app)
    calls = len(llm_server.requests)
    _post(client, "/exercises/mini-brief/submit", PROMPT)
    drain(app)
    assert len(llm_server.requests) == calls
    with app.app_context():
        first, second = db.session().exec(select(Attempt).order_by(Attempt.id)).all()
        assert second.status == "graded" and second.score == first.score
        assert second.report["cached_from"] == first.id and second.report["tokens_in"] == 0
    _post(client, "/exercises/mini-brief/submit", PROMPT + " ")
    drain(app)
    assert len(llm_server.requests) > calls  # a different prompt is graded afresh


def test_daily_limits_protect_the_budget(app, client, llm_server):
    with app.app_context(), db.new_session() as s:
        settings.put(s, "daily_submissions", 1)
        settings.put(s, "daily_runs", 1)
    assert _post(client, "/exercises/mini-brief/submit", PROMPT).status_code == 302
    refused = _post(client, "/exercises/mini-brief/submit", PROMPT + " again")
    assert refused.status_code == 400 and "today&#39;s 1 graded submissions" in refused.get_data(as_text=True)
    assert "again" in refused.get_data(as_text=True)  # the draft is kept
    assert "| budget | Alice |" in _post(client, "/exercises/mini-brief/run", PROMPT).get_data(as_text=True)
    second = _post(client, "/exercises/mini-brief/run", PROMPT).get_data(as_text=True)
    assert "today&#39;s 1 runs" in second


@pytest.mark.parametrize("policy", ["warn", "redact", "block"])
def test_confidentiality_policy_before_a_run(app, client, llm_server, policy):
    with app.app_context(), db.new_session() as s:
        settings.put(s, "confidentiality_policy", policy)
    html = _post(client, "/exercises/mini-brief/run", f"{PROMPT}\nReply to {EMAIL}").get_data(as_text=True)
    assert "e-mail address" in html and EMAIL in html  # the learner sees what was found
    sent = [json.dumps(r) for r in llm_server.requests]
    if policy == "warn":
        assert EMAIL in sent[-1] and "| budget | Alice |" in html
    elif policy == "redact":
        assert EMAIL not in sent[-1] and "[EMAIL_1]" in sent[-1]
    else:
        assert sent == [] and "Your prompt was not sent" in html
    with app.app_context():
        run = db.session().exec(select(TargetRun)).one()
        assert run.findings == ["email"] and run.sent is (policy != "block")


def test_grading_never_sends_the_data_when_the_policy_redacts(app, client, llm_server):
    _post(client, "/exercises/mini-brief/submit", f"{PROMPT}\nReply to {EMAIL}")
    drain(app)
    assert llm_server.requests and all(EMAIL not in json.dumps(r) for r in llm_server.requests)
    with app.app_context():
        attempt = db.session().exec(select(Attempt)).one()
        assert attempt.prompt.endswith(EMAIL)  # stored as written
        assert attempt.report["confidential"] == ["email"]


def test_quadratic_weighted_kappa():
    from graders.calibration import quadratic_weighted_kappa as qwk

    assert qwk([0, 1, 2, 3, 4], [0, 1, 2, 3, 4]) == 1.0
    assert qwk([0, 1, 2, 3, 4], [4, 3, 2, 1, 0]) == pytest.approx(-1.0)
    assert 0.5 < qwk([0, 1, 2, 3, 4], [0, 2, 2, 3, 3]) < 1.0


def _calibration_judge(spec, agree=True):
    """A loopback judge that gives, for each calibration sample it recognises, the trainer's
    levels (or levels off by two when `agree` is false)."""
    by_prompt = {s.prompt: s for s in spec.calibration}

    def respond(body):
        if not body.get("response_format"):
            return Reply(content="| decision | owner |")
        payload = body["messages"][1]["content"].split(">\n", 1)[1].rsplit("\n</", 1)[0]
        sample = by_prompt.get(json.loads(payload)["prompt"])
        ids = body["response_format"]["json_schema"]["schema"]["properties"]["criteria"]["items"]["properties"]["id"]["enum"]
        levels = {i: int(sample.scores[i]) if sample else 2 for i in ids}
        if not agree:
            levels = {i: (v + 2) % 5 for i, v in levels.items()}
        return Reply(content=json.dumps({"criteria": [{"id": i, "rationale": "x", "level": v} for i, v in levels.items()],
                                         "improvements": []}))
    return respond


@pytest.mark.parametrize("agree", [True, False])
def test_grader_eval_on_the_shipped_calibration_sets(make_app, llm_server, agree):
    from lms.cli import grader_eval
    from lms.config import PROJECT_ROOT
    from lms.services import content

    tree = content.load_tree(PROJECT_ROOT)
    slug = "meeting-minutes"
    llm_server.default = _calibration_judge(tree.exercises[slug].spec, agree)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=str(PROJECT_ROOT))
    result = app.test_cli_runner().invoke(grader_eval, ["--exercise", slug, "--json"])
    assert result.output.startswith("["), (result.output, __import__("traceback").format_exception(result.exception))
    [evaluation] = json.loads(result.output)
    assert evaluation["samples"] >= 8 and evaluation["graded"] == evaluation["samples"]
    assert evaluation["injections"] >= 1 and evaluation["injections_caught"] == evaluation["injections"]
    if agree:
        assert result.exit_code == 0 and evaluation["exact"] == 1.0 and evaluation["kappa"] == 1.0
        assert evaluation["pass_accuracy"] == 1.0
    else:
        assert result.exit_code == 1 and evaluation["exact"] == 0.0 and evaluation["kappa"] < 0.6
    assert evaluation["tokens_in"] > 0 and evaluation["criteria"][0]["confusion"]
    assert evaluation["overrides"] == {"reviewed": 0, "kept": 0, "changed": 0, "rate": None}


def test_an_exercise_below_the_calibration_bar_sends_grades_to_a_trainer(app, client, llm_server):
    from lms.models import CalibrationRun

    _post(client, "/exercises/mini-brief/submit", PROMPT)
    drain(app)
    with app.app_context(), db.new_session() as s:
        assert s.exec(select(Attempt)).one().status == "graded"
        s.add(CalibrationRun(exercise_slug="mini-brief", exercise_version=1, kappa=0.31))
        s.commit()
    _post(client, "/exercises/mini-brief/submit", PROMPT + "\nKeep it short.")
    drain(app)
    with app.app_context():
        second = db.session().exec(select(Attempt).order_by(Attempt.id.desc())).first()
        assert second.status == "awaiting_review" and second.passed is None
        assert "calibration-below-bar" in second.report["flags"]
