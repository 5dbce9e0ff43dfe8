from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length

from ..form_messages import REQUIRED, TOO_LONG


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    confirm = BooleanField(_l("I understand that my account and my data will be erased, and that this cannot "
                              "be undone"), validators=[InputRequired(message=REQUIRED)])


class AdminDeleteForm(FlaskForm):
    confirm = BooleanField(_l("I understand that this account and its data will be erased, and that this cannot "
                              "be undone"), validators=[InputRequired(message=REQUIRED)])
