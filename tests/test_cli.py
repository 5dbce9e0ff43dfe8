"""The `lms` command: grade (same pipeline as the site), content, demo."""
import json

import pytest
from conftest import TEST_CONTENT, llm_client, model_like

from lms.cli import content_check, content_sync, db_upgrade, demo_command, grade_command, scan_command

GOOD = 'You write minutes for the project team.\n"""{{input}}"""'


@pytest.fixture
def prompt_file(tmp_path):
    path = tmp_path / "prompt.txt"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_grade_json_without_a_model(make_app, prompt_file):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    result = app.test_cli_runner().invoke(grade_command, ["mini-brief", "--prompt-file", str(prompt_file), "--json"])
    assert result.exit_code == 3, result.output
    report = json.loads(result.output)
    assert report["status"] == "awaiting_review" and report["score"] is None and report["passed"] is None
    assert {"score", "passed", "status", "criteria", "flags", "model", "grader_version"} <= set(report)
    first = report["criteria"][0]
    assert {"id", "kind", "score", "max", "passed", "rationale"} <= set(first)
    assert first == {**first, "id": "delimits", "kind": "regex", "score": 30.0, "max": 30.0, "passed": True}


def test_grade_with_the_judge_passes_and_exits_zero(make_app, prompt_file, llm_server):
    llm_server.default = model_like(level=4)
    app = make_app(llm=llm_client(llm_server), CONTENT_DIR=TEST_CONTENT)
    result = app.test_cli_runner().invoke(grade_command, ["mini-brief", "--prompt-file", str(prompt_file), "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["passed"] is True and report["score"] == 100
    assert report["model"] and report["grader_version"]


def test_grade_refuses_unknown_exercises_and_empty_prompts(make_app, tmp_path):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    runner = app.test_cli_runner()
    result = runner.invoke(grade_command, ["nope", "--prompt-file", str(empty)])
    assert result.exit_code == 2 and "no valid exercise 'nope'" in result.output
    result = runner.invoke(grade_command, ["mini-brief", "--prompt-file", str(empty)])
    assert result.exit_code == 2 and "empty" in result.output


def test_content_check_reports_problems_with_their_file(make_app, tmp_path):
    bad = tmp_path / "content"
    (bad / "exercises").mkdir(parents=True)
    (bad / "courses").mkdir()
    (bad / "exercises" / "broken.yaml").write_text("slug: broken\ntitle: {en: only english}\n")
    app = make_app(CONTENT_DIR=str(bad))
    result = app.test_cli_runner().invoke(content_check, [])
    assert result.exit_code == 1 and "exercise broken: criteria must be a non-empty list" in result.output


def test_demo_prepares_everything_and_sync_is_idempotent(make_app):
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    runner = app.test_cli_runner()
    assert runner.invoke(db_upgrade, []).exit_code == 0
    result = runner.invoke(demo_command, ["--no-serve", "--password", "pw-for-test"])
    assert result.exit_code == 0, result.output
    for email in ("learner@example.org", "trainer@example.org", "hr@example.org", "admin@example.org"):
        assert email in result.output
    again = runner.invoke(content_sync, [])
    assert "0 new version(s), 0 updated" in again.output
    client = app.test_client()
    from conftest import Auth
    assert Auth(client).login("admin@example.org", "pw-for-test").status_code == 302


def test_scan_prints_kind_offsets_and_text(tmp_path):
    from click.testing import CliRunner

    text = "Écrire à marie.curie@labo.fr ou au +33 6 12 34 56 78, client Dupont SA."
    path = tmp_path / "prompt.txt"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(scan_command, [str(path), "--json", "--name", "Dupont SA"])
    assert result.exit_code == 1
    findings = json.loads(result.output)
    assert [f["kind"] for f in findings] == ["email", "phone", "listed_name"]
    assert all(text[f["start"]:f["end"]] == f["text"] for f in findings)
    clean = CliRunner().invoke(scan_command, ["-"], input="En 2024, 32 % des salariés vérifient.")
    assert clean.exit_code == 0 and "Nothing found." in clean.output
