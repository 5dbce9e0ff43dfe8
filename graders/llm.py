"""LLM calls through one LiteLLM Router, with model aliases `grader` and `target`.

LiteLLM is imported lazily, on the first call, because importing it takes seconds: the site,
the CLI and the tests that need no model start fast.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

import yaml


class LLMError(Exception):
    """The model could not be reached or kept failing after the router's retries."""


@dataclass(frozen=True)
class LLMSettings:
    grader_model: str | None = None
    target_model: str | None = None
    api_base: str | None = None
    api_key: str | None = None
    config_path: str | None = None
    timeout: float = 60.0
    num_retries: int = 2
    retry_after: float = 0.0
    judge_samples: int = 1        # judge calls per grade; the median level is kept
    judge_max_spread: int = 1     # a larger spread between samples sends the grade to review
    redis_url: str | None = None  # shared by every worker: rpm/tpm counters and cooldowns

    @property
    def configured(self) -> bool:
        return bool(self.config_path or self.grader_model)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "LLMSettings":
        env = os.environ if env is None else env
        return cls(
            grader_model=env.get("LMS_GRADER_MODEL") or None,
            target_model=env.get("LMS_TARGET_MODEL") or None,
            api_base=env.get("LMS_LLM_API_BASE") or None,
            api_key=env.get("LMS_LLM_API_KEY") or None,
            config_path=env.get("LMS_LLM_CONFIG") or None,
            timeout=float(env.get("LMS_LLM_TIMEOUT", 60)),
            num_retries=int(env.get("LMS_LLM_RETRIES", 2)),
            retry_after=float(env.get("LMS_LLM_RETRY_AFTER", 0)),
            judge_samples=max(1, int(env.get("LMS_JUDGE_SAMPLES", 1))),
            judge_max_spread=int(env.get("LMS_JUDGE_MAX_SPREAD", 1)),
            redis_url=env.get("LMS_REDIS_URL") or None,
        )

    def router_arguments(self) -> dict[str, Any]:
        """The keyword arguments of litellm.Router. With Redis (LMS_REDIS_URL), the router keeps
        its usage counters and cooldowns there, so that the `rpm`/`tpm` limits of a deployment
        hold across every worker process; deployments with such limits are routed by usage."""
        args = self._router_arguments()
        if self.redis_url:
            args.setdefault("redis_url", self.redis_url)
        limited = any(k in d or k in (d.get("litellm_params") or {})
                      for d in args["model_list"] for k in ("rpm", "tpm"))
        if limited:
            args.setdefault("routing_strategy", "usage-based-routing-v2")
        return args

    def _router_arguments(self) -> dict[str, Any]:
        """From the YAML file, or from the variables."""
        if self.config_path:
            with open(self.config_path, encoding="utf-8") as fh:
                config = yaml.safe_load(fh) or {}
            args = dict(config.get("router_settings") or {})
            args["model_list"] = config.get("model_list") or []
            names = {d.get("model_name") for d in args["model_list"]}
            if "grader" not in names:
                raise LLMError(f"{self.config_path}: model_list needs a model_name 'grader'")
            if "target" not in names:  # the target defaults to the grader's deployments
                args["model_list"] += [dict(d, model_name="target") for d in args["model_list"]
                                       if d.get("model_name") == "grader"]
            args.setdefault("num_retries", self.num_retries)
            args.setdefault("timeout", self.timeout)
            return args

        def deployment(alias: str, model: str) -> dict[str, Any]:
            params: dict[str, Any] = {"model": model}
            if self.api_base:
                params["api_base"] = self.api_base
            if self.api_key:
                params["api_key"] = self.api_key
            return {"model_name": alias, "litellm_params": params}

        return {
            "model_list": [deployment("grader", self.grader_model or ""),
                           deployment("target", self.target_model or self.grader_model or "")],
            "num_retries": self.num_retries,
            "timeout": self.timeout,
            "retry_after": self.retry_after,
        }

    def describe(self, alias: str) -> str:
        if self.config_path:
            return f"{alias} ({os.path.basename(self.config_path)})"
        return (self.target_model if alias == "target" else None) or self.grader_model or ""


@dataclass
class Completion:
    text: str
    model: str
    alias: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    latency_ms: int = 0
    cpu_ms: float = 0.0  # this thread's CPU in LiteLLM and HTTP: what the client costs beyond the model


def secrets_of(router_arguments: dict[str, Any]) -> list[str]:
    """Keys, tokens and passwords in the router's arguments (values `os.environ/NAME` resolved)."""
    from urllib.parse import urlsplit

    found = []
    params = [d.get("litellm_params") or {} for d in router_arguments.get("model_list") or []]
    for key, value in [item for p in params for item in p.items()] + list(router_arguments.items()):
        if not isinstance(value, str):
            continue
        if value.startswith("os.environ/"):
            value = os.environ.get(value.removeprefix("os.environ/"), "")
        if key.endswith("_url") and "@" in value:
            value = urlsplit(value).password or ""
        elif not any(word in key.lower() for word in ("key", "secret", "token", "password")):
            continue
        if len(value) >= 6:
            found.append(value)
    return sorted(set(found), key=len, reverse=True)


class LLMClient:
    """Calls the `grader` and `target` aliases. Thread-safe; one per process."""

    def __init__(self, settings: LLMSettings):
        self.settings = settings
        self._router = None
        self._lock = threading.Lock()
        self._secrets: list[str] = []

    @property
    def configured(self) -> bool:
        return self.settings.configured

    def _get_router(self):
        with self._lock:
            if self._router is None:
                os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
                import litellm

                litellm.telemetry = False
                args = self.settings.router_arguments()
                self._secrets = secrets_of(args)
                self._router = litellm.Router(**args)
            return self._router

    def redact(self, text: str) -> str:
        """The text without the keys of the deployments (providers quote them in their errors)."""
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def warm_up(self) -> None:
        """Import LiteLLM and build the router now (seconds), rather than in the first grading."""
        if self.configured:
            self._get_router()

    def complete(self, alias: str, messages: list[dict[str, str]], **params: Any) -> Completion:
        if not self.configured:
            raise LLMError("no model is configured")
        router = self._get_router()
        started, cpu_started = time.monotonic(), time.thread_time()
        try:
            response = router.completion(model=alias, messages=messages, **params)
        except Exception as exc:  # LiteLLM raises many provider-specific types; all mean "failed"
            raise LLMError(self.redact(f"{type(exc).__name__}: {exc}")[:500]) from exc
        latency_ms = int((time.monotonic() - started) * 1000)
        try:
            text = response.choices[0].message.content or ""
        except (AttributeError, IndexError) as exc:
            raise LLMError("the model returned no message") from exc
        usage = getattr(response, "usage", None)
        hidden = getattr(response, "_hidden_params", None) or {}
        return Completion(
            text=text, alias=alias,
            model=str(getattr(response, "model", "") or self.settings.describe(alias)),
            tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
            tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
            cost=float(hidden.get("response_cost") or 0.0),
            latency_ms=latency_ms,
            cpu_ms=round((time.thread_time() - cpu_started) * 1000, 2),
        )
