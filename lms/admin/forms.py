from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange


class SettingsForm(FlaskForm):
    confidentiality_policy = SelectField(
        _l("Before a prompt with personal or confidential data leaves for a model"),
        choices=[SelectChoice("warn", _l("Warn the learner, then send it")),
                 SelectChoice("redact", _l("Replace the data with placeholders, then send it")),
                 SelectChoice("block", _l("Do not send it"))])
    confidential_names = TextAreaField(_l("Confidential names (clients, code names), one per line"),
                                       validators=[Length(max=20000)])
    daily_runs = IntegerField(_l("Runs on the model per learner per day"),
                              validators=[InputRequired(), NumberRange(min=0, max=10000)])
    daily_submissions = IntegerField(_l("Graded submissions per learner per day"),
                                     validators=[InputRequired(), NumberRange(min=1, max=10000)])
    hr_can_read_prompts = BooleanField(_l("HR may read learners' prompts"))
