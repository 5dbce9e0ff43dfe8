"""WSGI entry point for gunicorn: `gunicorn 'lms.wsgi:app'`. Grading runs in `lms worker`."""
from . import create_app

app = create_app()
