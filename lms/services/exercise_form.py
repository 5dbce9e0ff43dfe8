"""The structured exercise editor's values <-> the mapping of an exercise file.

The editor (lms/author/exercise_forms.py) shows one row per criterion with the fields of its
kind; this module turns its values into the same YAML text the "advanced" editor takes, which
`authoring.save_exercise` then validates with the file parser: one way to validate.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import yaml

from graders import ExerciseSpec

from .authoring import normalise

LEVELS = 5
DEFAULT_PASS_LEVEL = 2
QUALITIES = ("weak", "average", "good", "excellent", "leak", "injection")
# top-level keys the editor manages; any other key of an exercise (e.g. an exam's `module`) is kept
MANAGED = ("slug", "version", "title", "scenario", "task", "input_data", "target", "pass_mark", "criteria",
           "reference_solution", "calibration")


def _num(value: Any) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in normalise(value).split("\n") if line.strip()]


def _pair(values: dict[str, Any], name: str, strip: bool = True) -> dict[str, str]:
    """{en, fr} from two fields; multi-line texts (strip=False) keep their exact text, LF line ends."""
    out = {}
    for lang in ("en", "fr"):
        v = normalise(values.get(f"{name}_{lang}"))
        out[lang] = v.strip() if strip else v
    return out


def _split(texts: dict[str, str] | None, name: str) -> dict[str, str]:
    texts = texts or {}
    return {f"{name}_en": texts.get("en", ""), f"{name}_fr": texts.get("fr", "")}


def new_criterion(kind: str = "judge", cid: str = "") -> dict[str, Any]:
    return {"cid": cid, "kind": kind, "shown_kind": kind, "on": "prompt", "weight": None, "gate": False,
            "label_en": "", "label_fr": "", "hint_en": "", "hint_fr": "", "lesson": "",
            "any_terms": "", "all_terms": "", "none_terms": "", "case_sensitive": False,
            "pattern": "", "ignore_case": True, "must_match": True,
            "min_length": None, "max_length": None, "unit": "chars",
            "kinds": [], "names": "",
            "rubric_en": "", "rubric_fr": "", "levels_en": [""] * LEVELS, "levels_fr": [""] * LEVELS,
            "pass_level": DEFAULT_PASS_LEVEL}


def new_sample(criteria: list[dict[str, Any]], sid: str = "") -> dict[str, Any]:
    return {"sid": sid, "lang": "en", "quality": "average", "prompt": "", "output": "", "expected_pass": False,
            "scores": [{"criterion": c["cid"], "value": None} for c in criteria]}


def blank(slug: str = "") -> dict[str, Any]:
    """The editor's values for a new exercise: one judge criterion worth 100."""
    values: dict[str, Any] = {"slug": slug, "pass_mark": 70, "use_target": False, "temperature": 0.2,
                              "max_tokens": 800, "criteria": [new_criterion("judge", "quality")], "samples": []}
    values["criteria"][0]["weight"] = 100
    return values


def criterion_values(c: dict[str, Any]) -> dict[str, Any]:
    if True in c:  # YAML 1.1 reads an unquoted `on:` key as the boolean true
        c = {("on" if k is True else k): v for k, v in c.items()}
    v = new_criterion(c.get("kind", "judge"), c.get("id", ""))
    v.update({"on": c.get("on", "prompt"), "weight": c.get("weight"), "gate": bool(c.get("gate", False)),
              **_split(c.get("label"), "label"), **_split(c.get("hint"), "hint"), "lesson": c.get("lesson") or ""})
    v.update({"any_terms": "\n".join(c.get("any") or []), "all_terms": "\n".join(c.get("all") or []),
              "none_terms": "\n".join(c.get("none") or []), "case_sensitive": bool(c.get("case_sensitive", False)),
              "pattern": c.get("pattern") or "", "ignore_case": bool(c.get("ignore_case", True)),
              "must_match": bool(c.get("must_match", True)),
              "min_length": c.get("min"), "max_length": c.get("max"), "unit": c.get("unit", "chars"),
              "kinds": list(c.get("kinds") or []), "names": "\n".join(c.get("names") or []),
              "pass_level": c.get("pass_level", DEFAULT_PASS_LEVEL)})
    if c.get("kind") == "judge":
        v.update(_split(c.get("rubric"), "rubric"))
        levels = c.get("levels") or {}
        for lang in ("en", "fr"):
            v[f"levels_{lang}"] = (list(levels.get(lang) or []) + [""] * LEVELS)[:LEVELS]
    return v


def values_from(data: dict[str, Any]) -> dict[str, Any]:
    """The editor's values for an exercise file's mapping."""
    target = data.get("target")
    values: dict[str, Any] = {
        "slug": data.get("slug", ""), "pass_mark": data.get("pass_mark", 70),
        **_split(data.get("title"), "title"), **_split(data.get("scenario"), "scenario"),
        **_split(data.get("task"), "task"), **_split(data.get("input_data"), "input"),
        **_split(data.get("reference_solution"), "reference"),
        "use_target": target is not None,
        "temperature": (target or {}).get("temperature", 0.2), "max_tokens": (target or {}).get("max_tokens", 800),
        **_split((target or {}).get("system"), "system"),
        "criteria": [criterion_values(c) for c in data.get("criteria") or []],
    }
    values["samples"] = [{
        "sid": s.get("id", ""), "lang": s.get("lang", "en"), "quality": s.get("quality", ""),
        "prompt": s.get("prompt", ""), "output": s.get("output") or "", "expected_pass": bool(s.get("expected_pass")),
        "scores": [{"criterion": c["cid"], "value": (s.get("scores") or {}).get(c["cid"])}
                   for c in values["criteria"]],
    } for s in data.get("calibration") or []]
    return values


def align(values: dict[str, Any]) -> dict[str, Any]:
    """After criteria were added, removed or renamed: every sample has one score per criterion,
    in the criteria's order (a renamed criterion keeps the score at its row)."""
    ids = [c.get("cid") or "" for c in values.get("criteria") or []]
    for sample in values.get("samples") or []:
        old = sample.get("scores") or []
        by_id = {s.get("criterion"): s.get("value") for s in old}
        sample["scores"] = [{"criterion": cid, "value": by_id.get(cid, old[i].get("value") if i < len(old) else None)}
                            for i, cid in enumerate(ids)]
    return values


def reset_changed_kinds(values: dict[str, Any]) -> dict[str, Any]:
    """A row whose kind was changed gets the new kind's default fields."""
    for i, c in enumerate(values.get("criteria") or []):
        if c.get("kind") != c.get("shown_kind"):
            fresh = new_criterion(c["kind"], c.get("cid", ""))
            keep = ("on", "weight", "gate", "label_en", "label_fr", "hint_en", "hint_fr", "lesson")
            fresh.update({k: c.get(k) for k in keep})
            values["criteria"][i] = fresh
        values["criteria"][i]["shown_kind"] = values["criteria"][i]["kind"]
    return values


def weight_total(values: dict[str, Any]) -> float:
    return sum(float(c.get("weight") or 0) for c in values.get("criteria") or [])


def criterion_data(v: dict[str, Any]) -> dict[str, Any]:
    kind = v["kind"]
    c: dict[str, Any] = {"id": (v.get("cid") or "").strip(), "kind": kind}
    if v.get("on") == "output":
        c["on"] = "output"
    c["weight"] = _num(v.get("weight") or 0)
    if v.get("gate"):
        c["gate"] = True
    c["label"], c["hint"] = _pair(v, "label"), _pair(v, "hint")
    if (v.get("lesson") or "").strip():
        c["lesson"] = v["lesson"].strip()
    if kind == "contains":
        for key in ("any", "all", "none"):
            terms = _lines(v.get(f"{key}_terms"))
            if terms:
                c[key] = terms
        if v.get("case_sensitive"):
            c["case_sensitive"] = True
    elif kind == "regex":
        c["pattern"] = (v.get("pattern") or "").strip()
        if not v.get("ignore_case"):
            c["ignore_case"] = False
        if not v.get("must_match"):
            c["must_match"] = False
    elif kind == "length":
        for key in ("min", "max"):
            if v.get(f"{key}_length") is not None:
                c[key] = int(v[f"{key}_length"])
        if v.get("unit") == "words":
            c["unit"] = "words"
    elif kind == "confidential":
        if v.get("kinds"):
            c["kinds"] = list(v["kinds"])
        names = _lines(v.get("names"))
        if names:
            c["names"] = names
    elif kind == "judge":
        c["rubric"] = _pair(v, "rubric", strip=False)
        c["levels"] = {lang: [normalise(x).strip() for x in v.get(f"levels_{lang}") or []] for lang in ("en", "fr")}
        c["pass_level"] = DEFAULT_PASS_LEVEL if v.get("pass_level") is None else int(v["pass_level"])
    return c


def data_from(values: dict[str, Any], version: int = 1, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The exercise file's mapping for the editor's values; keys the editor does not manage are
    kept from `previous`."""
    previous = previous or {}
    data: dict[str, Any] = {"slug": (values.get("slug") or "").strip(), "version": version}
    data.update({k: v for k, v in previous.items() if k not in MANAGED})
    data["title"] = _pair(values, "title")
    data["scenario"] = _pair(values, "scenario", strip=False)
    data["task"] = _pair(values, "task", strip=False)
    input_data = _pair(values, "input", strip=False)
    if any(input_data.values()):
        data["input_data"] = input_data
    if values.get("use_target"):
        target: dict[str, Any] = {"temperature": _num(values.get("temperature") or 0),
                                  "max_tokens": int(values.get("max_tokens") or 800)}
        system = _pair(values, "system", strip=False)
        if any(system.values()):
            target["system"] = system
        data["target"] = target
    data["pass_mark"] = _num(values.get("pass_mark") or 0)
    data["criteria"] = [criterion_data(c) for c in values.get("criteria") or []]
    reference = _pair(values, "reference", strip=False)
    if any(reference.values()):
        data["reference_solution"] = reference
    samples = []
    for s in values.get("samples") or []:
        sample: dict[str, Any] = {"id": (s.get("sid") or "").strip(), "lang": s.get("lang") or "en"}
        if s.get("quality"):
            sample["quality"] = s["quality"]
        sample["prompt"] = normalise(s.get("prompt"))
        if normalise(s.get("output")).strip():
            sample["output"] = normalise(s.get("output"))
        sample["scores"] = {sc["criterion"]: _num(sc["value"]) for sc in s.get("scores") or []
                            if sc.get("value") is not None}
        sample["expected_pass"] = bool(s.get("expected_pass"))
        samples.append(sample)
    if samples:
        data["calibration"] = samples
    return data


PARAM_DEFAULTS = {"judge": {"pass_level": DEFAULT_PASS_LEVEL}, "regex": {"ignore_case": True, "must_match": True},
                  "contains": {"case_sensitive": False}, "length": {"unit": "chars"}}


def meaning(spec: ExerciseSpec) -> ExerciseSpec:
    """The spec with every criterion's default parameters written out: two files that differ only
    in defaults they spell out (e.g. `pass_level: 2`) have the same meaning."""
    return replace(spec, criteria=tuple(replace(c, params={**PARAM_DEFAULTS.get(c.kind, {}), **c.params})
                                        for c in spec.criteria))


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def dump(data: dict[str, Any]) -> str:
    """The exercise file's text (multi-line texts as literal blocks, as in exercises/)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
