"""A loopback OpenAI-compatible HTTP server for integration tests.

LiteLLM is exercised over real HTTP against this server (no mocks of
LiteLLM or of the openai SDK).  Standard library only.

Usage::

    server = FakeLLM().start()
    server.script(Reply(content="hello"))
    litellm.completion(model="openai/judge", api_base=server.url,
                       api_key="test", messages=[...], num_retries=0,
                       max_retries=0, timeout=1)
    server.requests[-1]["messages"]   # what LiteLLM actually sent
    server.stop()

Exception mapping observed with litellm==1.110.2 (openai SDK 3.57.0) for
``litellm.completion(model="openai/...", api_base=url, num_retries=0)``;
tests/test_fakellm.py asserts each of these:

    Reply(status=500)              -> litellm.InternalServerError (status_code 500)
    Reply(status=429, headers={"Retry-After": "1"})
                                   -> litellm.RateLimitError (status_code 429;
                                      exc.response.headers["retry-after"] == "1")
    Reply(status=503)              -> litellm.ServiceUnavailableError (status_code
                                      503; subclasses openai.APIStatusError, NOT
                                      litellm.InternalServerError)
    Reply(delay=<beyond timeout>)  -> litellm.Timeout (an openai.APITimeoutError)
    Reply(drop=True)               -> litellm.InternalServerError, message contains
                                      "Connection error." -- NOT
                                      litellm.APIConnectionError: LiteLLM's OpenAI
                                      handler re-wraps the SDK's connection error
                                      with status 500
    Reply(raw=b"not json")         -> litellm.InternalServerError (status_code 500,
                                      "Expecting value: ..." JSON decode message)
    "stream": true request (400)   -> litellm.BadRequestError
    nothing scripted, no default   -> litellm.InternalServerError ("no scripted reply")

SDK retries: litellm.completion() copies ``num_retries`` into the openai
client's ``max_retries`` (num_retries wins if both are given), so
``num_retries=0`` alone -- or ``max_retries=0`` alone -- gives exactly one HTTP
request per call.  With neither, the SDK retries twice (3 requests).  With
``num_retries > 0`` and a failure that persists, LiteLLM's wrapper then also
calls completion_with_retries, which imports ``tenacity`` -- not installed in
this venv, so that surfaces as a plain ``Exception("tenacity import failed ...")``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Union

__all__ = ["FakeLLM", "Reply", "json_reply"]


@dataclass
class Reply:
    """One scripted answer of the fake server.

    ``content`` is the assistant message content of a 200 chat.completion
    response.  With a non-200 ``status`` an OpenAI-style error body is sent
    instead; ``content`` (if given) is then used as the error message.
    """

    content: str | None = None
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    raw: bytes | None = None
    prompt_tokens: int = 10
    completion_tokens: int = 20


def json_reply(obj) -> Reply:
    """A 200 reply whose assistant content is ``json.dumps(obj)``."""
    return Reply(content=json.dumps(obj))


DefaultReply = Union[Reply, Callable[[dict], Reply], None]

# OpenAI-style (type, code) for error bodies, by HTTP status.
_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout_error", None),
    409: ("conflict_error", None),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", None),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", None),
}

_DEFAULT_MODELS = ("judge", "fake-model")


def _error_body(status: int, message: str, code: str | None = None) -> dict:
    etype, default_code = _ERROR_KINDS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return {
        "error": {
            "message": message,
            "type": etype,
            "param": None,
            "code": code if code is not None else default_code,
        }
    }


def _coerce(reply) -> Reply:
    if isinstance(reply, Reply):
        return reply
    if isinstance(reply, str):  # convenience: a bare string is content
        return Reply(content=reply)
    raise TypeError(f"expected a Reply, got {type(reply).__name__}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: "FakeLLM"

    def handle_error(self, request, client_address) -> None:
        # Clients hanging up on us (timeouts, dropped connections) are
        # expected in tests; never print tracebacks to stderr.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeLLM/1.0"
    sys_version = ""
    # Headers and body go out in two writes: without TCP_NODELAY the body waits for the client's
    # delayed ACK (40 ms on Linux), a latency no real provider adds.
    disable_nagle_algorithm = True
    server: _Server

    # -- plumbing -----------------------------------------------------------

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass

    def log_request(self, code="-", size="-") -> None:
        pass

    def log_error(self, format, *args) -> None:  # noqa: A002
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # consume trailers up to the blank line
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after each chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict | None = None,
        content_type: str = "application/json",
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(str(key), str(value))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:  # client went away (e.g. it timed out)
            self.close_connection = True

    def _send_json(self, status: int, obj: dict, headers: dict | None = None) -> None:
        self._send(status, json.dumps(obj).encode("utf-8"), headers)

    def _send_error(self, status: int, message: str, code: str | None = None, headers=None) -> None:
        self._send_json(status, _error_body(status, message, code), headers)

    @staticmethod
    def _route(path: str) -> str:
        path = path.split("?", 1)[0].rstrip("/")
        if path.startswith("/v1/"):
            path = path[3:]
        return path

    # -- verbs --------------------------------------------------------------

    def do_GET(self) -> None:
        if self._route(self.path) == "/models":
            self._send_json(200, self.server.fake._models_payload())
        else:
            self._send_error(404, f"Unknown path {self.path}", code="not_found")

    def do_POST(self) -> None:
        try:
            raw = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        if self._route(self.path) != "/chat/completions":
            self._send_error(404, f"Unknown path {self.path}", code="not_found")
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            self._send_error(400, "request body is not valid JSON")
            return
        if not isinstance(body, dict):
            self._send_error(400, "request body must be a JSON object")
            return

        fake = self.server.fake
        fake._record(body)

        if body.get("stream"):
            self._send_error(400, "stream=true is not supported by FakeLLM")
            return

        try:
            reply = fake._next_reply(body)
        except Exception as exc:  # a failing default callable
            self._send_error(500, f"FakeLLM default callable raised: {exc!r}")
            return
        if reply is None:
            self._send_error(500, "no scripted reply", code="no_scripted_reply")
            return
        self._answer(reply, body)

    # -- replies ------------------------------------------------------------

    def _answer(self, reply: Reply, body: dict) -> None:
        if reply.delay > 0:
            # interruptible by FakeLLM.stop()
            self.server.fake._stopping.wait(reply.delay)

        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return

        if reply.raw is not None:
            self._send(200, reply.raw, reply.headers)
            return

        if reply.status != 200:
            message = reply.content or f"FakeLLM scripted error (HTTP {reply.status})"
            self._send_error(reply.status, message, headers=reply.headers)
            return

        model = body.get("model") or "unknown"
        payload = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fakellm",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }
        self._send_json(200, payload, reply.headers)


class FakeLLM:
    """Scriptable OpenAI-compatible chat-completions server on 127.0.0.1."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.default: DefaultReply = None
        self._lock = threading.Lock()
        self._any: deque[Reply] = deque()
        self._by_model: dict[str, deque[Reply]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> "FakeLLM":
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeLLM:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wake handlers sleeping in a delay
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "FakeLLM":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeLLM is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting ------------------------------------------------------------

    def script(self, *replies: Reply, model: str | None = None) -> None:
        """Queue replies (FIFO) for requests whose "model" equals ``model``
        (None: any model)."""
        coerced = [_coerce(r) for r in replies]
        with self._lock:
            if model is None:
                self._any.extend(coerced)
            else:
                self._by_model.setdefault(model, deque()).extend(coerced)

    def reset(self) -> None:
        with self._lock:
            self._any.clear()
            self._by_model.clear()
            self.requests.clear()
            self.default = None

    @property
    def pending(self) -> int:
        """Number of scripted replies not yet consumed."""
        with self._lock:
            return len(self._any) + sum(len(q) for q in self._by_model.values())

    # -- used by the handler --------------------------------------------------

    def _record(self, body: dict) -> None:
        with self._lock:
            self.requests.append(body)

    def _next_reply(self, body: dict) -> Reply | None:
        model = body.get("model")
        with self._lock:
            queue = self._by_model.get(model) if isinstance(model, str) else None
            if queue:
                return queue.popleft()
            if self._any:
                return self._any.popleft()
            default = self.default
        if default is None:
            return None
        if isinstance(default, (Reply, str)):
            return _coerce(default)
        if callable(default):
            result = default(body)
            return None if result is None else _coerce(result)
        return _coerce(default)

    def _models_payload(self) -> dict:
        with self._lock:
            names = list(dict.fromkeys([*_DEFAULT_MODELS, *self._by_model]))
        created = int(time.time())
        return {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": created, "owned_by": "fakellm"}
                for name in names
            ],
        }
