"""The `lms` command: a Flask CLI group. Every command is documented in README.md."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import create_app, db


def _app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """Prompt-engineering academy: training, graded prompts and certificates."""


# -- database ---------------------------------------------------------------------------------
@main.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations up to REVISION (default: head)."""
    db.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {db.engine().url.render_as_string(hide_password=True)} is at {revision}.")


# -- content ----------------------------------------------------------------------------------
@main.group("content")
def content_group() -> None:
    """Course and exercise files."""


@content_group.command("check")
@click.option("--content-dir", type=click.Path(file_okay=False), help="Default: LMS_CONTENT_DIR.")
@with_appcontext
def content_check(content_dir: str | None) -> None:
    """Validate courses/ and exercises/ against docs/content-format.md."""
    from .services import content

    problems = content.check(content_dir or current_app.config["CONTENT_DIR"])
    for p in problems:
        click.echo(f"error: {p}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo("Content is valid.")


@content_group.command("sync")
@with_appcontext
def content_sync() -> None:
    """Load the content files into the database (idempotent)."""
    from .services import content

    with db.new_session() as session:
        s = content.sync(session, current_app.config["CONTENT_DIR"])
    click.echo(f"{s.courses} course(s), {s.lessons} lesson(s); exercises: {s.exercises_created} "
               f"new version(s), {s.exercises_updated} updated.")


# -- accounts ---------------------------------------------------------------------------------
@main.group("users")
def users_group() -> None:
    """Accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["learner", "trainer", "hr", "admin"]), default="learner")
@click.password_option()
@with_appcontext
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create an account."""
    from .services.accounts import create_user

    with db.new_session() as session:
        create_user(session, email, name, password, role)
    click.echo(f"Created {role} {email}.")


# -- grading ----------------------------------------------------------------------------------
@main.command("grade")
@click.argument("exercise_slug")
@click.option("--prompt-file", type=click.File("r", encoding="utf-8"), required=True,
              help="The prompt to grade; - reads standard input.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.option("--content-dir", type=click.Path(file_okay=False), help="Default: LMS_CONTENT_DIR.")
@with_appcontext
def grade_command(exercise_slug, prompt_file, lang, as_json, content_dir) -> None:
    """Grade one prompt through the same pipeline as the site.

    Exit status: 0 passed, 1 not passed, 3 not final (awaiting a trainer, delayed or error).
    """
    from graders import grade

    from .services import content
    from .services.grading import SubmissionError, clean_prompt

    tree = content.load_tree(content_dir or current_app.config["CONTENT_DIR"])
    if exercise_slug not in tree.exercises:
        raise click.UsageError(f"no valid exercise {exercise_slug!r} (run `lms content check`)")
    try:
        prompt = clean_prompt(prompt_file.read(), current_app.config["MAX_PROMPT_CHARS"])
    except SubmissionError as exc:
        raise click.UsageError(str(exc)) from exc
    report = grade(tree.exercises[exercise_slug].spec, prompt, lang, current_app.extensions["llm"])
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        score = "—" if report.score is None else f"{report.score:g}/100"
        click.echo(f"{exercise_slug}: {report.status}, score {score}, passed: {report.passed}")
        for c in report.criteria:
            got = "pending" if c.score is None else f"{c.score:g}/{c.max:g}"
            click.echo(f"  {c.id:<28} {got:>9}  {c.rationale}")
        for flag in report.flags:
            click.echo(f"  flag: {flag}")
    raise SystemExit(0 if report.passed else (1 if report.passed is False else 3))


@main.command("scan", with_appcontext=False)
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--name", "names", multiple=True, help="A confidential name to look for (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def scan_command(source, names, as_json) -> None:
    """Find personal and confidential data in a text before it goes to a chatbot.

    Reads SOURCE (a file, or - for standard input). Exit status 0 when nothing is found, 1 otherwise.
    """
    from graders.confidential import scan

    findings = scan(source.read(), names=names)
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    elif not findings:
        click.echo("Nothing found.")
    for f in findings if not as_json else []:
        click.echo(f"{f.kind:<15} {f.start:>6}-{f.end:<6} {f.text}")
    raise SystemExit(1 if findings else 0)


@main.group("grader")
def grader_group() -> None:
    """The grader's quality."""


@grader_group.command("eval")
@click.option("--exercise", "slugs", multiple=True, help="Only this exercise (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--min-kappa", type=float, default=0.6, show_default=True,
              help="Exit status 1 when an exercise's quadratic weighted kappa is below this.")
@click.option("--content-dir", type=click.Path(file_okay=False), help="Default: LMS_CONTENT_DIR.")
@click.option("--store", is_flag=True, help="Record the results: an exercise below LMS_CALIBRATION_MIN_KAPPA "
                                            "then sends its automated grades to a trainer.")
@with_appcontext
def grader_eval(slugs, as_json, min_kappa, content_dir, store) -> None:
    """Grade every calibration sample with the configured judge and compare with the trainers."""
    from graders.calibration import evaluate

    from .services import content

    llm = current_app.extensions["llm"]
    if not llm.configured:
        raise click.UsageError("no model is configured (LMS_GRADER_MODEL or LMS_LLM_CONFIG)")
    tree = content.load_tree(content_dir or current_app.config["CONTENT_DIR"])
    chosen = slugs or sorted(tree.exercises)
    unknown = [s for s in chosen if s not in tree.exercises]
    if unknown:
        raise click.UsageError(f"unknown exercise(s): {', '.join(unknown)}")
    results = [evaluate(tree.exercises[slug].spec, llm) for slug in chosen]
    from .services.review import agreement

    with db.new_session() as session:  # trainers' overrides in the platform join the calibration data
        overrides = {r.slug: agreement(session, r.slug) for r in results}
    if store:
        from .models import CalibrationRun

        with db.new_session() as session:
            for r in results:
                session.add(CalibrationRun(
                    exercise_slug=r.slug, exercise_version=tree.exercises[r.slug].spec.version,
                    model=llm.settings.describe("grader"), samples=r.graded, exact=r.exact, adjacent=r.adjacent,
                    kappa=r.kappa, pass_accuracy=r.pass_accuracy, details=r.to_dict()))
            session.commit()
    if as_json:
        click.echo(json.dumps([{**r.to_dict(), "overrides": overrides[r.slug]} for r in results],
                              ensure_ascii=False, indent=2))
    else:
        click.echo(f"{'exercise':<32} {'samples':>7} {'exact':>6} {'adjac.':>6} {'kappa':>6} "
                   f"{'pass acc.':>9} {'inject.':>7} {'tokens':>8} {'cost':>9}")
        for r in results:
            click.echo(f"{r.slug:<32} {r.graded:>3}/{r.samples:<3} {r.exact:>6.2f} {r.adjacent:>6.2f} "
                       f"{r.kappa:>6.2f} {r.pass_accuracy:>9.2f} {r.injections_caught:>3}/{r.injections:<3} "
                       f"{r.tokens_in + r.tokens_out:>8} {r.cost:>9.4f}")
            for c in r.criteria:
                click.echo(f"    {c.id:<28} exact {c.exact:.2f}  adjacent {c.adjacent:.2f}  kappa "
                           f"{'-' if c.kappa is None else f'{c.kappa:.2f}'}  confusion {c.confusion}")
            o = overrides[r.slug]
            if o["reviewed"]:
                click.echo(f"    trainers' overrides: kept the judge's level on {o['kept']} of {o['reviewed']} criteria")
            for failure in r.failures:
                click.echo(f"    not graded: {failure}")
    raise SystemExit(1 if any(r.kappa < min_kappa or r.failures for r in results) else 0)


# -- serving ----------------------------------------------------------------------------------
def _serve(host: str, port: int, workers: int) -> None:
    app = current_app._get_current_object()
    if workers > 0:
        consumer = app.extensions["queue"].consumer(workers=workers, in_process=True)
        consumer.start()
        click.echo(f"Grading runs in this process ({workers} thread(s), "
                   f"{app.extensions['queue'].backend} queue).")
    llm = app.extensions["llm"]
    if not llm.configured:
        click.echo("No LLM is configured (LMS_GRADER_MODEL or LMS_LLM_CONFIG): deterministic "
                   "criteria grade at once, judged criteria wait for a trainer.")
    click.echo(f"Serving on http://{host}:{port}")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True,
              help="Grading threads in this process; 0 when separate `lms worker` processes grade.")
@with_appcontext
def run_command(host: str, port: int, workers: int) -> None:
    """Serve the platform (one process; use gunicorn with `lms.wsgi:app` for many)."""
    _serve(host, port, workers)


@main.command("worker")
@click.option("--workers", "--concurrency", "workers", default=32, show_default=True,
              help="Grading threads: attempts graded at once (they mostly wait for the model).")
@with_appcontext
def worker_command(workers: int) -> None:
    """Consume grading jobs (on any machine that reaches the database and the queue)."""
    queue = current_app.extensions["queue"]
    current_app.extensions["llm"].warm_up()
    click.echo(f"Worker consuming the {queue.backend} queue with {workers} thread(s).")
    queue.consumer(workers=workers).run()


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--password", envvar="LMS_DEMO_PASSWORD",
              help="Password of the demo accounts (default: new random ones at each start).")
@click.option("--no-serve", is_flag=True, help="Prepare the database and accounts, then stop.")
@with_appcontext
def demo_command(host: str, port: int, password: str | None, no_serve: bool) -> None:
    """Migrate, load the content, create the demo accounts and serve with in-process grading."""
    from .services import content
    from .services.accounts import ensure_demo_accounts

    db.upgrade(current_app.config["DATABASE_URL"])
    with db.new_session() as session:
        s = content.sync(session, current_app.config["CONTENT_DIR"])
        accounts = ensure_demo_accounts(session, password)
    click.echo(f"Content loaded: {s.courses} course(s), {s.lessons} lesson(s).")
    click.echo("Demo accounts (e-mail / password):")
    for email, role, pw in accounts:
        click.echo(f"  {role:<8} {email:<24} {pw}")
    if not no_serve:
        _serve(host, port, workers=2)


@main.command("routes")
@with_appcontext
def routes_command() -> None:
    """List the URL rules."""
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = ",".join(sorted(rule.methods - {"HEAD", "OPTIONS"}))
        click.echo(f"{rule.rule:<50} {methods:<10} {rule.endpoint}")

from . import cli_certificates  # noqa: E402,F401  (the `lms certificates` commands)
from . import cli_hr  # noqa: E402,F401  (the `lms hr` commands)
from . import cli_xapi  # noqa: E402,F401  (`lms xapi status`, `lms xapi flush`)
from . import cli_privacy  # noqa: E402,F401  (`lms users delete`, `lms privacy purge`)
