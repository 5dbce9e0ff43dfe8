"""Serve ralph's LRS (its HTTP API) with the file-system backend, for tests/test_xapi.py.

Run by the Python of `.venv-ralph` (ralph has pins of its own), never imported by the tests:

    .venv-ralph/bin/python tests/ralph_lrs.py --port 8100

Configured by ralph's own variables (RALPH_AUTH_FILE, RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH).
`ralph runserver -b fs` serves the same application under a code reloader; this serves one plain
process, with two changes, both toward the xAPI 1.0.3 specification:
- ralph 5.1's file-system LRS writes its statements file in "create" mode, so that every POST
  after the first one fails (500 "Statements bulk indexation failed"): here it appends;
- ralph does not check the X-Experience-API-Version header, which an LRS must require (400
  without it): here it is required.
Everything else (authentication, validation, one statement per id, conflicts) is ralph's.
"""
import argparse
import json
import os

os.environ.setdefault("RALPH_RUNSERVER_BACKEND", "fs")

from ralph.backends.data.base import BaseOperationType  # noqa: E402
from ralph.backends.lrs.fs import FSLRSBackend  # noqa: E402

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

import uvicorn  # noqa: E402
from ralph.api import app as ralph_app  # noqa: E402


async def app(scope, receive, send):
    if scope["type"] == "http" and scope["path"].startswith("/xAPI"):
        version = dict(scope["headers"]).get(b"x-experience-api-version", b"")
        if not version.startswith(b"1.0."):
            body = json.dumps({"detail": "X-Experience-API-Version header missing or not 1.0.x"}).encode()
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
    await ralph_app(scope, receive, send)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
