from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class PromptForm(FlaskForm):
    # Length is checked by the grading service, which keeps the text and explains the limit.
    prompt = TextAreaField(_l("Your prompt"))


class EmptyForm(FlaskForm):
    """A form with only its CSRF token (mark as done, sign out...)."""
