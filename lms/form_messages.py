"""The messages of the WTForms validators, written here so that they are translated with the rest
of the site (WTForms' own messages are English-only strings outside our catalogue). Pass them
explicitly: `DataRequired(message=REQUIRED)`, `Length(max=200, message=TOO_LONG)`..."""
from flask_babel import lazy_gettext as _l

REQUIRED = _l("This field is required.")
INVALID_EMAIL = _l("Enter a valid e-mail address, such as name@example.org.")
TOO_LONG = _l("At most %(max)d characters.")
LENGTH_BETWEEN = _l("Between %(min)d and %(max)d characters.")
OUT_OF_RANGE = _l("Enter a number between %(min)s and %(max)s.")
NOT_ALLOWED = _l("Choose one of: %(values)s.")
AT_LEAST = _l("Enter a number of at least %(min)s.")
