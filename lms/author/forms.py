from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange


class ExerciseForm(FlaskForm):
    source = TextAreaField(_l("Exercise file (YAML)"), validators=[InputRequired(), Length(max=200_000)])


class LessonForm(FlaskForm):
    title_en = StringField(_l("Title (English)"), validators=[InputRequired(), Length(max=200)])
    title_fr = StringField(_l("Title (French)"), validators=[InputRequired(), Length(max=200)])
    minutes = IntegerField(_l("Reading time (minutes)"), validators=[InputRequired(), NumberRange(min=1, max=120)])
    body_en = TextAreaField(_l("Text (English, Markdown)"), validators=[InputRequired(), Length(max=100_000)])
    body_fr = TextAreaField(_l("Text (French, Markdown)"), validators=[InputRequired(), Length(max=100_000)])


class ImportForm(FlaskForm):
    archive = FileField(_l("Zip of course and exercise files"), validators=[FileRequired()])


class TryForm(FlaskForm):
    prompt = TextAreaField(_l("Sample submission"), validators=[Length(max=20_000)])
