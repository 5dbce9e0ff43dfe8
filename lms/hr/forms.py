from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..form_messages import REQUIRED, TOO_LONG


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file of employees"), validators=[FileRequired(_l("Choose a CSV file."))])
    send_invitations = BooleanField(_l("Send each new account an invitation to choose a password"), default=True)


class AssignmentForm(FlaskForm):
    course = SelectField(_l("Track"), coerce=int)
    department = SelectField(_l("Department (with its sub-departments)"), validators=[Optional()])
    cohort = SelectField(_l("Cohort"), validators=[Optional()])
    email = EmailField(_l("Person (e-mail address)"), validators=[Optional(), Length(max=254, message=TOO_LONG)])
    due_on = DateField(_l("Due date"), validators=[DataRequired(_l("Give a due date."))])


class TokenForm(FlaskForm):
    name = StringField(_l("Name of the token (the system that uses it)"),
                       validators=[DataRequired(message=REQUIRED), Length(max=120, message=TOO_LONG)])


class EmptyForm(FlaskForm):
    """Only the CSRF token (delete, revoke)."""
