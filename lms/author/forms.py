from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, FieldList, FloatField, Form, FormField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from graders.spec import SLUG_RE

from ..form_messages import OUT_OF_RANGE, REQUIRED, TOO_LONG


class ExerciseForm(FlaskForm):
    source = TextAreaField(_l("Exercise file (YAML)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200_000, message=TOO_LONG)])


class LessonForm(FlaskForm):
    title_en = StringField(_l("Title (English)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    title_fr = StringField(_l("Title (French)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    minutes = IntegerField(_l("Reading time (minutes)"),
                           validators=[InputRequired(message=REQUIRED),
                                       NumberRange(min=1, max=120, message=OUT_OF_RANGE)])
    body_en = TextAreaField(_l("Text (English, Markdown)"),
                            validators=[InputRequired(message=REQUIRED), Length(max=100_000, message=TOO_LONG)])
    body_fr = TextAreaField(_l("Text (French, Markdown)"),
                            validators=[InputRequired(message=REQUIRED), Length(max=100_000, message=TOO_LONG)])


class ImportForm(FlaskForm):
    archive = FileField(_l("Zip of course and exercise files"), validators=[FileRequired(message=REQUIRED)])


class TryForm(FlaskForm):
    prompt = TextAreaField(_l("Sample submission"), validators=[Length(max=20_000, message=TOO_LONG)])


# -- courses, modules, lessons and quizzes in the browser (course_views.py, quiz_views.py) ----------
SLUG_MESSAGE = _l("Use lowercase letters, digits and hyphens, e.g. data-ethics.")
SLUG = [InputRequired(message=REQUIRED), Length(max=100, message=TOO_LONG),
        Regexp(SLUG_RE.pattern, message=SLUG_MESSAGE)]
ALL_OR_NONE = [SelectChoice("all", _l("all")), SelectChoice("none", _l("none"))]


class CourseForm(FlaskForm):
    slug = StringField(_l("Identifier (slug)"), validators=SLUG)
    title_en = StringField(_l("Title (English)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    title_fr = StringField(_l("Title (French)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    summary_en = TextAreaField(_l("Description (English)"),
                               validators=[InputRequired(message=REQUIRED), Length(max=2000, message=TOO_LONG)])
    summary_fr = TextAreaField(_l("Description (French)"),
                               validators=[InputRequired(message=REQUIRED), Length(max=2000, message=TOO_LONG)])
    certified = BooleanField(_l("Completing the course issues a certificate"))
    cert_title_en = StringField(_l("Title of the certificate (English)"),
                                validators=[Optional(), Length(max=200, message=TOO_LONG)])
    cert_title_fr = StringField(_l("Title of the certificate (French)"),
                                validators=[Optional(), Length(max=200, message=TOO_LONG)])
    validity_days = IntegerField(_l("Validity of the certificate in days (0: it never expires)"), default=730,
                                 validators=[Optional(), NumberRange(min=0, max=36_500, message=OUT_OF_RANGE)])
    requires_lessons = SelectField(_l("Lessons marked as done"), choices=ALL_OR_NONE)
    requires_exercises = SelectField(_l("Exercises passed"), choices=ALL_OR_NONE)
    requires_quizzes = SelectField(_l("Module quizzes passed"), choices=ALL_OR_NONE)
    requires_certificates = SelectMultipleField(_l("Valid certificates of these courses"), choices=[],
                                                validators=[Optional()])
    renewal = BooleanField(_l("Holders can renew their certificate by a shorter path"))
    renewal_days = IntegerField(_l("Renewal opens this many days before expiry"), default=90,
                                validators=[Optional(), NumberRange(min=1, max=3650, message=OUT_OF_RANGE)])
    renewal_requires = SelectMultipleField(_l("The renewal requires"), default=["exam"], validators=[Optional()],
                                           choices=[SelectChoice("lessons", _l("the lessons")), SelectChoice("exercises", _l("the exercises")),
                                                    SelectChoice("quizzes", _l("the quizzes")), SelectChoice("exam", _l("the exam"))])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.certified.data:
            for field in (self.cert_title_en, self.cert_title_fr):
                if not (field.data or "").strip():
                    field.errors = [*field.errors, _l("A certificate needs a title in English and in French.")]
                    ok = False
            if self.validity_days.data is None:
                self.validity_days.errors = [*self.validity_days.errors, _l("Give a number of days (0: no expiry).")]
                ok = False
            if self.renewal.data and self.renewal_days.data is None:
                self.renewal_days.errors = [*self.renewal_days.errors, _l("Give a number of days.")]
                ok = False
        return ok


class ModuleForm(FlaskForm):
    slug = StringField(_l("Identifier (slug)"), validators=SLUG)
    title_en = StringField(_l("Title (English)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    title_fr = StringField(_l("Title (French)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    summary_en = TextAreaField(_l("Summary (English)"),
                               validators=[InputRequired(message=REQUIRED), Length(max=2000, message=TOO_LONG)])
    summary_fr = TextAreaField(_l("Summary (French)"),
                               validators=[InputRequired(message=REQUIRED), Length(max=2000, message=TOO_LONG)])


class NewLessonForm(LessonForm):
    slug = StringField(_l("Identifier (slug)"), validators=SLUG)


class ChoiceForm(Form):
    cid = HiddenField()
    text_en = StringField(_l("Answer (English)"), validators=[Optional(), Length(max=1000, message=TOO_LONG)])
    text_fr = StringField(_l("Answer (French)"), validators=[Optional(), Length(max=1000, message=TOO_LONG)])
    correct = BooleanField(_l("Right answer"))


class QuestionForm(FlaskForm):
    type = SelectField(_l("Type"), choices=[SelectChoice("single", _l("single choice: one right answer")),
                                            SelectChoice("multiple", _l("multiple choice: one or more right answers"))])
    question_en = TextAreaField(_l("Question (English)"),
                                validators=[InputRequired(message=REQUIRED), Length(max=2000, message=TOO_LONG)])
    question_fr = TextAreaField(_l("Question (French)"),
                                validators=[InputRequired(message=REQUIRED), Length(max=2000, message=TOO_LONG)])
    # no min_entries: WTForms 3.3 would read a compacted row twice; the page starts with 4 rows
    choices = FieldList(FormField(ChoiceForm))
    explanation_en = TextAreaField(_l("Explanation (English), shown once answered"),
                                   validators=[InputRequired(message=REQUIRED), Length(max=4000, message=TOO_LONG)])
    explanation_fr = TextAreaField(_l("Explanation (French), shown once answered"),
                                   validators=[InputRequired(message=REQUIRED), Length(max=4000, message=TOO_LONG)])


class QuizSettingsForm(FlaskForm):
    pass_mark = FloatField(_l("Pass mark (percent of questions answered right)"),
                           validators=[InputRequired(message=REQUIRED),
                                       NumberRange(min=1, max=100, message=OUT_OF_RANGE)])
