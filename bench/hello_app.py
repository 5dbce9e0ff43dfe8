"""Bare Flask applications: the yardsticks of bench/bench_web.py, served by the same gunicorn
settings as the platform.

- `app`: "Hello, World!", the bare-Flask throughput that the goal is stated against.
- `query_app`: the same, plus the one query that a signed-in page cannot skip, the account's row
  read by its primary key on LMS_DATABASE_URL through a SQLAlchemy pool, in autocommit (one round
  trip, as the platform's): what a database round trip costs by itself on this machine.
"""
import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"


query_app = Flask("hello_query")
_engine = None


@query_app.get("/")
def hello_with_query():
    global _engine
    import sqlalchemy as sa

    if _engine is None:  # in each worker, after the fork
        _engine = sa.create_engine(os.environ["LMS_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with _engine.connect() as conn:
        conn.execute(sa.text('SELECT * FROM "user" WHERE id = :id'), {"id": 1}).first()
    return "Hello, World!"
