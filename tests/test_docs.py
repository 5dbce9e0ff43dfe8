"""Documentation stays true: the two README commands, settings, commands, kinds, the lock file."""
import re
import subprocess
import sys
from pathlib import Path

from graders import registry
from lms.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def readme_commands():
    section = README.split("## Two commands")[1].split("\n## ")[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    run, test = readme_commands()
    assert "lms demo" in run and "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text()
    assert test in ci.splitlines()


def test_every_setting_is_documented():
    used = set()
    for folder in ("lms", "graders"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"\bLMS_[A-Z_]+\b", path.read_text()))
    used = {u for u in used if not u.endswith("_")}
    assert used, "no settings found"
    assert sorted(u for u in used if f"`{u}`" not in README) == []


def test_every_command_is_documented():
    names = []
    for name, command in main.commands.items():
        subs = getattr(command, "commands", None)
        names += [f"lms {name} {sub}" for sub in subs] if subs else [f"lms {name}"]
    assert sorted(n for n in names if f"`{n}" not in README) == []


def test_every_criterion_kind_is_documented():
    doc = (ROOT / "docs" / "content-format.md").read_text()
    assert sorted(k for k in registry.kinds() if f"| `{k}` |" not in doc) == []


def test_litellm_is_pinned_exactly_and_never_to_a_compromised_release():
    for lock in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / lock).read_text()
        pins = re.findall(r"^litellm==([\d.]+) \\$", text, re.M)
        assert len(pins) == 1 and pins[0] not in ("1.82.7", "1.82.8")
        assert "--hash=sha256:" in text
    assert re.search(r'"litellm==[\d.]+"', (ROOT / "pyproject.toml").read_text())


def test_the_site_and_the_cli_start_without_importing_litellm():
    code = ("import sys; from lms import create_app; app = create_app(); "
            "print('litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"LMS_SECRET_KEY": "x", "LMS_INSTANCE_PATH": "/tmp/lms-docs-test",
                              "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False"
