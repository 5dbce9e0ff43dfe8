from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..form_messages import OUT_OF_RANGE, REQUIRED, TOO_LONG


class SettingsForm(FlaskForm):
    confidentiality_policy = SelectField(
        _l("Before a prompt with personal or confidential data leaves for a model"),
        choices=[SelectChoice("warn", _l("Warn the learner, then send it")),
                 SelectChoice("redact", _l("Replace the data with placeholders, then send it")),
                 SelectChoice("block", _l("Do not send it"))])
    confidential_names = TextAreaField(_l("Confidential names (clients, code names), one per line"),
                                       validators=[Length(max=20000, message=TOO_LONG)])
    daily_runs = IntegerField(_l("Runs on the model per learner per day"),
                              validators=[InputRequired(message=REQUIRED),
                                          NumberRange(min=0, max=10000, message=OUT_OF_RANGE)])
    daily_submissions = IntegerField(_l("Graded submissions per learner per day"),
                                     validators=[InputRequired(message=REQUIRED),
                                                 NumberRange(min=1, max=10000, message=OUT_OF_RANGE)])
    hr_can_read_prompts = BooleanField(_l("HR may read learners' prompts"))
    prompt_retention_days = IntegerField(
        _l("Days to keep prompts and the model's answers (0: forever; empty: the server's default)"),
        validators=[Optional(), NumberRange(min=0, max=36500, message=OUT_OF_RANGE)])
