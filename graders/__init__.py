"""The grading engine. Plain Python: no Flask import.

    spec = parse_exercise(yaml.safe_load(text))
    report = grade(spec, prompt, "fr", LLMClient(LLMSettings.from_env()))
"""
from . import criteria as _criteria  # noqa: F401  (registers the criterion kinds)
from .llm import LLMClient, LLMError, LLMSettings
from .pipeline import GRADER_VERSION, grade, run_target
from .registry import registry
from .report import CriterionResult, GradeReport, Status
from .spec import ExerciseSpec, SpecError, parse_exercise

__all__ = ["GRADER_VERSION", "CriterionResult", "ExerciseSpec", "GradeReport", "LLMClient",
           "LLMError", "LLMSettings", "SpecError", "Status", "grade", "parse_exercise",
           "registry", "run_target"]
