"""The structured exercise editor: one row per criterion, with the fields of its kind."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, FloatField, Form, FormField, HiddenField, IntegerField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from graders import registry
from graders.confidential import KINDS

from ..form_messages import AT_LEAST, OUT_OF_RANGE, REQUIRED, TOO_LONG
from ..services.exercise_form import LEVELS, QUALITIES

KIND_NAMES = {"contains": _l("contains: expected or forbidden terms"), "regex": _l("regex: a pattern"),
              "length": _l("length: bounds on the length"),
              "confidential": _l("confidential: no personal or confidential data"),
              "judge": _l("judge: scored by the LLM judge on a rubric")}
QUALITY_NAMES = {"weak": _l("weak"), "average": _l("average"), "good": _l("good"), "excellent": _l("excellent"),
                 "leak": _l("leak"), "injection": _l("injection")}
TEXT = [Optional(), Length(max=20_000, message=TOO_LONG)]
LONG = [Optional(), Length(max=100_000, message=TOO_LONG)]


class CriterionForm(Form):
    cid = StringField(_l("Identifier"), validators=[InputRequired(message=REQUIRED), Length(max=100, message=TOO_LONG)])
    kind = SelectField(_l("Kind"), default="judge", choices=[SelectChoice(k, KIND_NAMES.get(k, k)) for k in registry.kinds()])
    shown_kind = HiddenField()
    on = SelectField(_l("Checked on"), default="prompt", choices=[SelectChoice("prompt", _l("the learner's prompt")),
                                                 SelectChoice("output", _l("the target model's output"))])
    weight = FloatField(_l("Weight"),
                        validators=[InputRequired(message=REQUIRED),
                                    NumberRange(min=0.01, max=100, message=OUT_OF_RANGE)])
    gate = BooleanField(_l("Gate: the exercise fails when this criterion fails"))
    label_en = StringField(_l("What is checked (English)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=500, message=TOO_LONG)])
    label_fr = StringField(_l("What is checked (French)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=500, message=TOO_LONG)])
    hint_en = StringField(_l("Hint when it fails (English)"),
                          validators=[InputRequired(message=REQUIRED), Length(max=1000, message=TOO_LONG)])
    hint_fr = StringField(_l("Hint when it fails (French)"),
                          validators=[InputRequired(message=REQUIRED), Length(max=1000, message=TOO_LONG)])
    lesson = StringField(_l("Lesson that teaches it (module-slug/lesson-slug, optional)"),
                         validators=[Optional(), Length(max=201, message=TOO_LONG)])
    # contains
    any_terms = TextAreaField(_l("At least one of these terms (one per line)"), validators=TEXT)
    all_terms = TextAreaField(_l("Every one of these terms (one per line)"), validators=TEXT)
    none_terms = TextAreaField(_l("None of these terms (one per line)"), validators=TEXT)
    case_sensitive = BooleanField(_l("Case-sensitive"))
    # regex
    pattern = StringField(_l("Pattern (Python regular expression)"),
                          validators=[Optional(), Length(max=2000, message=TOO_LONG)])
    ignore_case = BooleanField(_l("Ignore case"), default=True)
    must_match = BooleanField(_l("Passes when the pattern is found (unticked: when it is not found)"), default=True)
    # length
    min_length = IntegerField(_l("Minimum"), validators=[Optional(), NumberRange(min=0, message=AT_LEAST)])
    max_length = IntegerField(_l("Maximum"), validators=[Optional(), NumberRange(min=0, message=AT_LEAST)])
    unit = SelectField(_l("Unit"), default="chars", choices=[SelectChoice("chars", _l("characters")), SelectChoice("words", _l("words"))])
    # confidential
    kinds = SelectMultipleField(_l("Kinds of data (none ticked: all)"), choices=[SelectChoice(k, k) for k in KINDS],
                                validators=[Optional()])
    names = TextAreaField(_l("Names to treat as confidential (one per line)"), validators=TEXT)
    # judge
    rubric_en = TextAreaField(_l("Rubric (English)"), validators=TEXT)
    rubric_fr = TextAreaField(_l("Rubric (French)"), validators=TEXT)
    levels_en = FieldList(StringField(validators=[Optional(), Length(max=1000, message=TOO_LONG)]), min_entries=LEVELS,
                          max_entries=LEVELS)
    levels_fr = FieldList(StringField(validators=[Optional(), Length(max=1000, message=TOO_LONG)]), min_entries=LEVELS,
                          max_entries=LEVELS)
    pass_level = IntegerField(_l("Level needed to pass (0 to 4)"), default=2,
                              validators=[Optional(), NumberRange(min=0, max=LEVELS - 1, message=OUT_OF_RANGE)])


class ScoreForm(Form):
    criterion = HiddenField()
    value = FloatField(validators=[InputRequired(message=REQUIRED),
                                   NumberRange(min=0, max=LEVELS - 1, message=OUT_OF_RANGE)])


class SampleForm(Form):
    sid = StringField(_l("Identifier"), validators=[InputRequired(message=REQUIRED), Length(max=100, message=TOO_LONG)])
    lang = SelectField(_l("Language"), default="en", choices=[SelectChoice("en", _l("English")), SelectChoice("fr", _l("French"))])
    quality = SelectField(_l("Quality"), default="average", choices=[SelectChoice(q, QUALITY_NAMES[q]) for q in QUALITIES])
    prompt = TextAreaField(_l("Submission"),
                           validators=[InputRequired(message=REQUIRED), Length(max=20_000, message=TOO_LONG)])
    output = TextAreaField(_l("What the target model answered (optional)"), validators=TEXT)
    scores = FieldList(FormField(ScoreForm))
    expected_pass = BooleanField(_l("The trainers expect this submission to pass"))


class ExerciseEditForm(FlaskForm):
    slug = StringField(_l("Identifier (slug)"),
                       validators=[InputRequired(message=REQUIRED), Length(max=100, message=TOO_LONG)])
    title_en = StringField(_l("Title (English)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    title_fr = StringField(_l("Title (French)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=200, message=TOO_LONG)])
    scenario_en = TextAreaField(_l("Scenario (English, Markdown)"),
                                validators=[InputRequired(message=REQUIRED), Length(max=20_000, message=TOO_LONG)])
    scenario_fr = TextAreaField(_l("Scenario (French, Markdown)"),
                                validators=[InputRequired(message=REQUIRED), Length(max=20_000, message=TOO_LONG)])
    task_en = TextAreaField(_l("Task (English, Markdown)"),
                            validators=[InputRequired(message=REQUIRED), Length(max=20_000, message=TOO_LONG)])
    task_fr = TextAreaField(_l("Task (French, Markdown)"),
                            validators=[InputRequired(message=REQUIRED), Length(max=20_000, message=TOO_LONG)])
    input_en = TextAreaField(_l("Input data (English, optional)"), validators=LONG)
    input_fr = TextAreaField(_l("Input data (French, optional)"), validators=LONG)
    use_target = BooleanField(_l("Run the learner's prompt on the target model"))
    temperature = FloatField(_l("Temperature"),
                             validators=[Optional(), NumberRange(min=0, max=2, message=OUT_OF_RANGE)])
    max_tokens = IntegerField(_l("Longest answer (tokens)"),
                              validators=[Optional(), NumberRange(min=1, max=32_000, message=OUT_OF_RANGE)])
    system_en = TextAreaField(_l("System message (English, optional)"), validators=TEXT)
    system_fr = TextAreaField(_l("System message (French, optional)"), validators=TEXT)
    pass_mark = FloatField(_l("Pass mark (out of 100)"),
                           validators=[InputRequired(message=REQUIRED),
                                       NumberRange(min=1, max=100, message=OUT_OF_RANGE)])
    criteria = FieldList(FormField(CriterionForm), min_entries=1)
    reference_en = TextAreaField(_l("Reference solution (English)"), validators=TEXT)
    reference_fr = TextAreaField(_l("Reference solution (French)"), validators=TEXT)
    samples = FieldList(FormField(SampleForm))

    def values(self) -> dict:
        """The submitted values, without the CSRF token."""
        return {k: v for k, v in self.data.items() if k != "csrf_token"}
