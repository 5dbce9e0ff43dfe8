"""A bare Flask "hello" application: the yardstick of bench/bench_web.py, served by the same
gunicorn settings as the platform."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
