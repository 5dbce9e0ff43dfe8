"""Small exercise specs for unit tests (the repository's content is tested in test_content.py)."""
import copy

LEVELS = {"en": ["absent", "weak", "adequate", "good", "excellent"],
          "fr": ["absent", "faible", "correct", "bon", "excellent"]}


def loc(text):
    return {"en": text, "fr": text + " (fr)"}


def minutes_spec(**overrides):
    data = {
        "slug": "minutes", "version": 1, "title": loc("Minutes"), "scenario": loc("A meeting."),
        "task": loc("Write a prompt."), "input_data": loc("Notes: Alice will send the budget."),
        "target": {"temperature": 0.2, "max_tokens": 300},
        "pass_mark": 70,
        "criteria": [
            {"id": "delimits", "kind": "regex", "weight": 20, "pattern": r'"""|```|<notes>',
             "label": loc("Delimits the notes"), "hint": loc("Put the notes between delimiters.")},
            {"id": "audience", "kind": "contains", "weight": 20, "any": ["team", "équipe"],
             "label": loc("Names the audience"), "hint": loc("Say who reads the minutes.")},
            {"id": "short", "kind": "length", "weight": 10, "min": 40, "max": 2000,
             "label": loc("Reasonable length"), "hint": loc("Adjust the length.")},
            {"id": "no-email", "kind": "regex", "weight": 10, "must_match": False, "gate": True,
             "pattern": r"[\w.+-]+@[\w-]+\.[\w.]+", "label": loc("No e-mail address"),
             "hint": loc("Remove personal data.")},
            {"id": "table-out", "kind": "contains", "on": "output", "weight": 10, "any": ["|"],
             "label": loc("Output is a table"), "hint": loc("Ask for a table.")},
            {"id": "quality", "kind": "judge", "weight": 30, "rubric": loc("Is the brief complete?"),
             "levels": LEVELS, "label": loc("Quality of the brief"), "hint": loc("Give more context.")},
        ],
    }
    data.update(overrides)
    return copy.deepcopy(data)


GOOD_PROMPT = ('You write minutes for the project team. Turn the notes between triple quotes into a '
               'table of decisions and actions.\n"""{{input}}"""')
