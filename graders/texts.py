"""The grader's own messages in English and French (graders/ does not depend on Flask-Babel).

`t(lang, msgid, **values)` returns the message in `lang`. tests/test_translations.py checks
that every message used in graders/ has its French form here.
"""
from __future__ import annotations

FR: dict[str, str] = {
    "none of: {terms}": "aucun de ces termes : {terms}",
    "missing: {terms}": "il manque : {terms}",
    "should not contain: {terms}": "ne devrait pas contenir : {terms}",
    "The expected terms are present.": "Les termes attendus sont présents.",
    "Found: “{found}”.": "Trouvé : « {found} ».",
    "The expected pattern was not found.": "L’élément attendu est absent.",
    "Found something that should not be there: “{found}”.":
        "Élément qui ne devrait pas figurer : « {found} ».",
    "Nothing that should not be there was found.": "Rien de ce qui devait être absent n’a été trouvé.",
    "words": "mots",
    "characters": "caractères",
    "{n} {unit}: at least {lo} expected.": "{n} {unit} : au moins {lo} attendus.",
    "{n} {unit}: at most {hi} expected.": "{n} {unit} : au plus {hi} attendus.",
    "{n} {unit}, within the expected length.": "{n} {unit}, longueur dans les limites attendues.",
    "Awaiting a trainer: no grading model is configured.":
        "En attente d’un formateur : aucun modèle d’évaluation n’est configuré.",
    "Grading delayed: the model did not answer. It will be retried automatically.":
        "Évaluation différée : le modèle n’a pas répondu. Elle sera relancée automatiquement.",
    "The grader failed on this criterion; a trainer has been notified.":
        "L’évaluateur a échoué sur ce critère ; un formateur a été prévenu.",
    "Not checked: the target model has not run.": "Non vérifié : le modèle cible n’a pas été exécuté.",
    "Personal or confidential data found: {found}.": "Données personnelles ou confidentielles trouvées : {found}.",
    "No personal or confidential data found.": "Aucune donnée personnelle ou confidentielle trouvée.",
}


def t(lang: str, msgid: str, **values: object) -> str:
    text = FR.get(msgid, msgid) if lang == "fr" else msgid
    return text.format(**values) if values else text
