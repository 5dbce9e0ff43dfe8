"""Criterion kinds: one module each, registered in `graders.registry.registry`."""
from ..registry import registry
from .confidential import Confidential
from .contains import Contains
from .judge import Judge
from .length import Length
from .regex import Regex

for _kind in (Contains(), Regex(), Length(), Confidential(), Judge()):
    registry.register(_kind)
