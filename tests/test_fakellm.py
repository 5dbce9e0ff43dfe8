"""LiteLLM driven over real HTTP against the loopback FakeLLM server.

These tests pin down how litellm==1.110.2 (with its openai SDK) behaves against
an OpenAI-compatible endpoint, so the rest of the suite can rely on FakeLLM.

SDK-level retries: litellm.completion() maps ``num_retries`` onto the openai
client's ``max_retries`` (``num_retries`` wins when both are given), so
``num_retries=0`` alone already gives exactly one HTTP request; ``max_retries=0``
also works on its own.  Without either, the openai SDK retries twice (three
requests).  With ``num_retries > 0`` and a failure that persists, LiteLLM's
wrapper additionally calls completion_with_retries, which needs ``tenacity``
(not installed here: a plain ``Exception("tenacity import failed ...")``).
"""
from __future__ import annotations

import http.client
import json
import os
import time
import urllib.request

import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported

from fakellm import FakeLLM, Reply, json_reply  # noqa: E402  (tests/ is on sys.path: no __init__.py)

TIMEOUT = 1.0
MESSAGES = [
    {"role": "system", "content": "You are a strict grader."},
    {"role": "user", "content": "Grade this answer."},
]


@pytest.fixture(scope="module")
def litellm():
    import litellm as _litellm  # slow import: only when these tests run

    saved = _litellm.suppress_debug_info
    _litellm.suppress_debug_info = True  # no "Give Feedback" banners on stdout
    yield _litellm
    _litellm.suppress_debug_info = saved


@pytest.fixture(scope="module")
def _server():
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture
def server(_server):
    _server.reset()
    yield _server
    _server.reset()


@pytest.fixture
def complete(litellm, server):
    def _complete(model: str = "judge", **kwargs):
        kwargs.setdefault("num_retries", 0)
        kwargs.setdefault("max_retries", 0)
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("messages", MESSAGES)
        return litellm.completion(
            model=f"openai/{model}", api_base=server.url, api_key="test", **kwargs
        )

    return _complete


# -- happy path ---------------------------------------------------------------


def test_scripted_content_comes_back_and_request_is_recorded(server, complete):
    server.script(Reply(content="4/5, well argued", prompt_tokens=7, completion_tokens=3))

    response = complete()

    assert response.choices[0].message.content == "4/5, well argued"
    assert response.choices[0].finish_reason == "stop"
    assert response.model == "judge"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (7, 3)
    assert response.usage.total_tokens == 10
    assert len(server.requests) == 1
    body = server.requests[0]
    assert body["model"] == "judge"
    assert body["messages"] == MESSAGES


def test_response_format_json_schema_is_passed_through(server, complete):
    response_format = {
        "type": "json_schema",
        "json_schema": {
            "name": "verdict",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"score": {"type": "integer"}, "reason": {"type": "string"}},
                "required": ["score", "reason"],
                "additionalProperties": False,
            },
        },
    }
    server.script(json_reply({"score": 4, "reason": "clear"}))

    response = complete(response_format=response_format)

    assert json.loads(response.choices[0].message.content) == {"score": 4, "reason": "clear"}
    assert server.requests[0]["response_format"] == response_format


# -- failures: one request each, mapped to LiteLLM exception classes -----------


def test_500_raises_internal_server_error(litellm, server, complete):
    server.script(Reply(status=500, content="boom"))
    with pytest.raises(litellm.InternalServerError) as info:
        complete()
    assert info.value.status_code == 500
    assert "boom" in str(info.value)
    assert len(server.requests) == 1


def test_429_raises_rate_limit_error_with_retry_after(litellm, server, complete):
    server.script(Reply(status=429, headers={"Retry-After": "1"}))
    with pytest.raises(litellm.RateLimitError) as info:
        complete()
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "1"
    assert len(server.requests) == 1


def test_503_raises_service_unavailable_error(litellm, server, complete):
    server.script(Reply(status=503))
    with pytest.raises(litellm.ServiceUnavailableError) as info:
        complete()
    assert info.value.status_code == 503
    # not an InternalServerError subclass: catch both if you treat them alike
    assert not isinstance(info.value, litellm.InternalServerError)
    assert len(server.requests) == 1


def test_delay_beyond_timeout_raises_timeout(litellm, server, complete):
    server.script(Reply(content="too late", delay=3.0))
    started = time.monotonic()
    with pytest.raises(litellm.Timeout):
        complete(timeout=0.5)
    assert time.monotonic() - started < 2.0
    assert len(server.requests) == 1


def test_drop_raises_connection_error(litellm, server, complete):
    # LiteLLM's OpenAI handler wraps the SDK's APIConnectionError("Connection
    # error.") in an OpenAIError with status 500, so what surfaces is an
    # InternalServerError, not litellm.APIConnectionError.
    server.script(Reply(drop=True))
    with pytest.raises(litellm.InternalServerError) as info:
        complete()
    assert "Connection error" in str(info.value)
    assert not isinstance(info.value, litellm.APIConnectionError)
    assert len(server.requests) == 1


def test_malformed_body_raises_internal_server_error(litellm, server, complete):
    server.script(Reply(raw=b"this is not json {"))
    with pytest.raises(litellm.InternalServerError) as info:
        complete()
    assert info.value.status_code == 500
    assert len(server.requests) == 1


def test_stream_is_rejected_with_bad_request(litellm, server, complete):
    server.script(Reply(content="unused"))
    with pytest.raises(litellm.BadRequestError):
        complete(stream=True)
    assert server.requests[0]["stream"] is True
    assert server.pending == 1  # a rejected stream does not consume a reply


def test_nothing_scripted_is_a_500(litellm, server, complete):
    with pytest.raises(litellm.InternalServerError) as info:
        complete()
    assert "no scripted reply" in str(info.value)


# -- queues and default ---------------------------------------------------------


def test_model_specific_queue_takes_precedence(server, complete):
    server.script(Reply(content="any-1"), Reply(content="any-2"))
    server.script(Reply(content="judge-1"), model="judge")

    assert complete("other").choices[0].message.content == "any-1"
    assert complete("judge").choices[0].message.content == "judge-1"
    assert complete("judge").choices[0].message.content == "any-2"  # judge queue empty
    assert [r["model"] for r in server.requests] == ["other", "judge", "judge"]


def test_default_callable_is_used_when_queue_is_empty(server, complete):
    server.script(Reply(content="scripted"))
    server.default = lambda body: Reply(content=f"echo {body['model']}: {body['messages'][-1]['content']}")

    assert complete().choices[0].message.content == "scripted"
    assert complete().choices[0].message.content == "echo judge: Grade this answer."
    assert complete("other").choices[0].message.content == "echo other: Grade this answer."


def test_default_reply_instance(server, complete):
    server.default = Reply(content="always")
    assert complete().choices[0].message.content == "always"
    assert complete().choices[0].message.content == "always"


def test_reset_clears_everything(server):
    server.script(Reply(content="x"), model="judge")
    server.script(Reply(content="y"))
    server.default = Reply(content="z")
    server.requests.append({"model": "judge"})
    server.reset()
    assert server.requests == [] and server.default is None and server.pending == 0


# -- SDK-level retries ----------------------------------------------------------

# "retry-after-ms" makes the openai SDK's back-off 10 ms, so these stay fast.
FAST_500 = Reply(status=500, headers={"retry-after-ms": "10"})


def test_sdk_retries_twice_by_default(litellm, server):
    server.default = FAST_500
    with pytest.raises(litellm.InternalServerError):
        litellm.completion(model="openai/judge", api_base=server.url, api_key="test",
                           messages=MESSAGES, timeout=TIMEOUT)
    assert len(server.requests) == 3


def test_num_retries_zero_alone_disables_sdk_retries(litellm, server):
    server.default = FAST_500
    with pytest.raises(litellm.InternalServerError):
        litellm.completion(model="openai/judge", api_base=server.url, api_key="test",
                           messages=MESSAGES, timeout=TIMEOUT, num_retries=0)
    assert len(server.requests) == 1


def test_max_retries_zero_alone_disables_sdk_retries(litellm, server):
    server.default = FAST_500
    with pytest.raises(litellm.InternalServerError):
        litellm.completion(model="openai/judge", api_base=server.url, api_key="test",
                           messages=MESSAGES, timeout=TIMEOUT, max_retries=0)
    assert len(server.requests) == 1


def test_num_retries_overrides_max_retries(litellm, server):
    server.script(FAST_500, Reply(content="ok"))
    with pytest.raises(litellm.InternalServerError):
        litellm.completion(model="openai/judge", api_base=server.url, api_key="test",
                           messages=MESSAGES, timeout=TIMEOUT, num_retries=0, max_retries=1)
    assert len(server.requests) == 1


def test_num_retries_one_is_an_sdk_retry(litellm, server):
    server.script(FAST_500, Reply(content="ok"))
    response = litellm.completion(model="openai/judge", api_base=server.url, api_key="test",
                                  messages=MESSAGES, timeout=TIMEOUT, num_retries=1)
    assert response.choices[0].message.content == "ok"
    assert len(server.requests) == 2


# -- the server itself (no LiteLLM) ------------------------------------------------


def test_models_endpoint(server):
    with urllib.request.urlopen(server.url + "/models", timeout=TIMEOUT) as resp:
        payload = json.load(resp)
    assert payload["object"] == "list"
    assert "judge" in [m["id"] for m in payload["data"]]


def test_keep_alive_two_requests_on_one_connection(server):
    server.script(Reply(status=429), Reply(content="second"))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        body = json.dumps({"model": "judge", "messages": MESSAGES})
        headers = {"Content-Type": "application/json"}
        conn.request("POST", "/v1/chat/completions", body, headers)
        first = conn.getresponse()
        error = json.loads(first.read())
        assert first.status == 429
        assert set(error["error"]) >= {"message", "type", "code"}
        conn.request("POST", "/v1/chat/completions", body, headers)
        second = conn.getresponse()
        completion = json.loads(second.read())
        assert second.status == 200
        assert completion["object"] == "chat.completion"
        assert completion["choices"][0]["message"] == {
            "role": "assistant", "content": "second", "refusal": None}
        assert completion["usage"] == {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}
    finally:
        conn.close()


def test_server_writes_nothing_to_stderr(server, capfd):
    server.script(Reply(drop=True), Reply(content="late", delay=0.5))
    body = json.dumps({"model": "judge", "messages": MESSAGES})
    for timeout in (TIMEOUT, 0.1):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
        try:
            conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
            with pytest.raises((http.client.RemoteDisconnected, TimeoutError, OSError)):
                conn.getresponse().read()
        finally:
            conn.close()
    time.sleep(0.6)  # let the delayed handler try to write to the closed socket
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.request("GET", "/nowhere")
    assert conn.getresponse().status == 404
    conn.close()
    assert capfd.readouterr().err == ""
