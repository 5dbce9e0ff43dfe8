from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length

from ..form_messages import INVALID_EMAIL, LENGTH_BETWEEN, NOT_ALLOWED, REQUIRED, TOO_LONG
from ..services.account_setup import MIN_PASSWORD


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"),
                       validators=[DataRequired(message=REQUIRED), Email(message=INVALID_EMAIL),
                                   Length(max=254, message=TOO_LONG)])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    next = HiddenField()


class LanguageForm(FlaskForm):
    lang = StringField(_l("Language"), validators=[AnyOf(["en", "fr"], message=NOT_ALLOWED)])
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"),
                       validators=[DataRequired(message=REQUIRED), Email(message=INVALID_EMAIL),
                                   Length(max=254, message=TOO_LONG)])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(message=REQUIRED), Length(min=MIN_PASSWORD, max=200, message=LENGTH_BETWEEN)])
    confirm = PasswordField(_l("The same password again"), validators=[
        DataRequired(message=REQUIRED), EqualTo("password", message=_l("The two passwords are not the same."))])
