"""A deterministic detector of confidential data, in French and English contexts.

Used to warn a learner before a prompt leaves for an external model:

    findings = scan(prompt, names=["Dupont SA", "Projet Albatros"])
    redacted, mapping = redact(prompt, findings)

Standard library only. Each kind has its own candidate pattern followed by a validation step
(checksums: IBAN mod 97, NIR key, Luhn for SIREN/SIRET/cards; context words for the ambiguous
ones), then overlapping candidates are resolved by keeping the longest, most specific one.
"""
from __future__ import annotations

import bisect
import functools
import ipaddress
import math
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Iterator

KINDS = ("email", "phone", "iban", "nir", "siret", "siren", "payment_card", "api_key", "secret",
         "ip_address", "postal_address", "listed_name")

PLACEHOLDER_LABELS = {
    "email": "EMAIL", "phone": "PHONE", "iban": "IBAN", "nir": "NIR", "siret": "SIRET",
    "siren": "SIREN", "payment_card": "CARD", "api_key": "API_KEY", "secret": "SECRET",
    "ip_address": "IP", "postal_address": "ADDRESS", "listed_name": "NAME",
}


@dataclass(frozen=True)
class Finding:
    kind: str   # one of KINDS
    start: int  # character offsets in the scanned text: text[start:end] == text
    end: int
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


# A candidate before overlap resolution: (start, end, kind, priority). Lower priority wins a tie.
_Cand = tuple[int, int, str, int]

# Same-span ties: the most specific kind first.
_PRIORITY = {"iban": 0, "payment_card_ctx": 1, "nir": 2, "siret": 3, "payment_card": 4, "siren": 5,
             "api_key": 6, "secret": 7, "api_key_generic": 8, "email": 9, "phone": 10,
             "ip_address": 11, "postal_address": 12, "listed_name": 13}

_FLAGS = re.IGNORECASE | re.UNICODE

# Left/right boundaries for digit identifiers: not glued to a word, a decimal or another number.
_NUM_L = r"(?<![\w+.,/\-])(?<!\d[ \u00a0\u202f])"
_NUM_R = r"(?![\w]|[.,/\-]\d)"


def _context(text: str, start: int, end: int, width: int = 30) -> tuple[str, str]:
    return text[max(0, start - width):start], text[end:end + width]


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


# --------------------------------------------------------------------------- checksums

def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check on the digits of `number`."""
    digits = _digits(number)
    if not digits:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def iban_valid(iban: str) -> bool:
    """Mod-97 check (ISO 13616) and, for the registered countries, the length."""
    s = re.sub(r"[\s\-]", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", s):
        return False
    expected = IBAN_LENGTHS.get(s[:2])
    if expected is not None and len(s) != expected:
        return False
    if not 2 <= int(s[2:4]) <= 98:
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def nir_valid(nir: str) -> bool:
    """French social security number: 13 characters + key = 97 - (number mod 97); 2A/2B for Corsica."""
    s = re.sub(r"\s", "", nir).upper()
    if not re.fullmatch(r"[1-478]\d{4}(?:\d{2}|2[AB])\d{8}", s):
        return False
    month = int(s[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    body = s[:13]
    if "A" in body:
        number = int(body.replace("2A", "19", 1))
    elif "B" in body:
        number = int(body.replace("2B", "18", 1))
    else:
        number = int(body)
    return 97 - number % 97 == int(s[13:])


def siren_valid(siren: str) -> bool:
    d = _digits(siren)
    return len(d) == 9 and d != "000000000" and luhn_valid(d)


def siret_valid(siret: str) -> bool:
    """Luhn on 14 digits; La Poste's establishments (SIREN 356000000) use digit sum % 5 == 0."""
    d = _digits(siret)
    if len(d) != 14 or d == "0" * 14:
        return False
    if d.startswith("356000000") and sum(map(int, d)) % 5 == 0:
        return True
    return luhn_valid(d)


_CARD_PREFIXES: list[tuple[str, str, tuple[int, ...]]] = [
    # (lowest prefix, highest prefix, allowed lengths)
    ("4", "4", (13, 16, 19)),                      # Visa
    ("51", "55", (16,)), ("2221", "2720", (16,)),  # Mastercard
    ("34", "34", (15,)), ("37", "37", (15,)),      # American Express
    ("6011", "6011", (16, 17, 18, 19)), ("644", "649", (16, 17, 18, 19)),
    ("65", "65", (16, 17, 18, 19)),                # Discover
    ("622126", "622925", (16, 17, 18, 19)), ("62", "62", (16, 17, 18, 19)),  # UnionPay
    ("300", "305", (14, 15, 16, 17, 18, 19)), ("3095", "3095", (14, 16, 17, 18, 19)),
    ("36", "36", (14, 15, 16, 17, 18, 19)), ("38", "39", (14, 15, 16, 17, 18, 19)),  # Diners
    ("3528", "3589", (16, 17, 18, 19)), ("2131", "2131", (15,)), ("1800", "1800", (15,)),  # JCB
    ("2200", "2204", (16, 17, 18, 19)),            # Mir
    ("50", "50", (13, 14, 15, 16, 17, 18, 19)), ("56", "69", (13, 14, 15, 16, 17, 18, 19)),  # Maestro
]


def card_valid(number: str) -> bool:
    """13 to 19 digits, a known issuer prefix with a length it issues, and the Luhn check."""
    d = _digits(number)
    if not 13 <= len(d) <= 19:
        return False
    for lo, hi, lengths in _CARD_PREFIXES:
        p = d[:len(lo)]
        if lo <= p <= hi and len(d) in lengths:
            return luhn_valid(d)
    return False


# --------------------------------------------------------------------------- email

_EMAIL = re.compile(
    r"(?<![\w.%+\-])(?<!\w['’])\w(?:[\w.%+\-]|['’](?=\w))*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w\-])", re.UNICODE)


_URL_USER = re.compile(r"://[^\s/@]*$")


def _find_email(text: str) -> Iterator[_Cand]:
    for m in _EMAIL.finditer(text):
        if _URL_USER.search(text[max(0, m.start() - 60):m.start()]):
            continue  # "postgres://user:S3cret@db.example.com": a password, not an e-mail address
        yield m.start(), m.end(), "email", _PRIORITY["email"]


# --------------------------------------------------------------------------- phone

_PHONE = re.compile(
    r"(?<![\w+.,/\-])(?<!\d:)(?:\+|00)?\(?\d+\)?"
    r"(?:(?:\s?\(0\)\s?|[ .\-\u00a0]|(?<=\)))\(?\d+\)?)*"
    r"(?:\s?(?:x|ext\.?|poste)\s?\d{1,5})?"
    r"(?![\w%€$£]|[.,:/]\d|\s?(?:%|€|\$|£|h\d|heures?\b|hours?\b))", re.UNICODE)
_PHONE_EXT = re.compile(r"\s?(?:x|ext\.?|poste)\s?\d{1,5}$")
_PHONE_GROUP = re.compile(r"\(0\)|\(?\d+\)?")
_PHONE_KEYWORDS = re.compile(
    r"(?<![a-zà-ÿ])(?:t[ée]l(?:[ée]phone)?|phone|mobile|portable|cell(?:ular)?|fax|gsm|call|"
    r"appel(?:er|ez|le)?|joindre|joignable|whatsapp|sms|ligne directe|direct line|hotline|"
    r"contact|tel\.|standard|switchboard|reach|dial|compos(?:er|ez)|rappel(?:er|ez))(?![a-zà-ÿ])", _FLAGS)
_NOT_PHONE_KEYWORDS = re.compile(
    r"(?<![a-zà-ÿ])(?:n°|no\.|nº|r[ée]f(?:[ée]rence)?|#|invoice|facture|commande|order|dossier|"
    r"contrat|contract|ticket|id|account|compte|client|lot|serial|s[ée]rie|isbn|ean|siren|siret|rcs|"
    r"nir|s[ée]curit[ée] sociale|iban|rib|card|carte)\W*$", _FLAGS)
_NANP = re.compile(r"(?:1[ .\-]?)?(?:\([2-9]\d\d\)\s?|[2-9]\d\d[ .\-])[2-9]\d\d[ .\-]\d{4}")


def _phone_ok(cand: str, before: str) -> bool:
    core = _PHONE_EXT.sub("", cand)
    groups = _PHONE_GROUP.findall(core)
    seps = set(re.findall(r"(?<=[\d)])[ .\-\u00a0](?=[\d(])", core.replace("(0)", "")))
    digits = _digits(core.replace("(0)", ""))
    keyword = bool(_PHONE_KEYWORDS.search(before[-25:]))
    if not keyword and _NOT_PHONE_KEYWORDS.search(before[-18:]):
        return False
    if core.startswith("+") or (core.startswith("00") and len(core) > 2 and core[2] != "0"):
        n = len(digits) - (2 if core.startswith("00") else 0)
        if not 9 <= n <= 15:
            return False
        if core.startswith("00") and not seps and n < 11:
            return False
        return len(seps) <= 2
    if "(0)" in core:
        return False
    if digits.startswith("0"):
        if len(seps) > 1 or len(digits) not in (10, 11):
            return False
        if groups and not groups[0].lstrip("(").startswith("0"):
            return False
        return True
    if _NANP.fullmatch(core):
        return True
    return keyword and 8 <= len(digits) <= 15 and len(seps) <= 1


def _find_phone(text: str) -> Iterator[_Cand]:
    for m in _PHONE.finditer(text):
        cand = m.group()
        if sum(c.isdigit() for c in cand) < 8:
            continue
        start = m.start()
        if cand.startswith("(") and (")" not in cand or cand.index(")") == len(cand) - 1):
            cand, start = cand[1:], start + 1  # "(03 90 01 40 28)": the parentheses are the sentence's
        if cand.endswith(")") and cand.count("(") < cand.count(")"):
            cand = cand[:-1]
        before = text[max(0, start - 30):start]
        # Try the whole candidate, then without trailing groups (a year or a count glued after it).
        pieces = [p.end() for p in re.finditer(r"\(?\d+\)?", cand)]
        ext = _PHONE_EXT.search(cand)
        ends = [len(cand)] + ([] if ext else [e for e in reversed(pieces[:-1])][:2])
        for end in ends:
            sub = cand[:end].rstrip(" .-\u00a0")
            if _phone_ok(sub, before):
                yield start, start + len(sub), "phone", _PRIORITY["phone"]
                break


# --------------------------------------------------------------------------- IBAN

_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){11,30}")


def _find_iban(text: str) -> Iterator[_Cand]:
    for m in _IBAN.finditer(text):
        cand = m.group()
        country = cand[:2].upper()
        if not country.isupper() or not cand[:2].isalpha():
            continue
        # Offsets just after the n-th alphanumeric character of the candidate.
        ends = [m.start() + i + 1 for i, ch in enumerate(cand) if ch.isalnum()]
        lengths = [IBAN_LENGTHS[country]] if country in IBAN_LENGTHS else range(34, 14, -1)
        for length in lengths:
            if length > len(ends):
                continue
            end = ends[length - 1]
            if text[end:end + 1].isalnum():
                continue
            value = text[m.start():end]
            # Lower-case letters are accepted only when the whole value is in one case.
            if value != value.upper() and value != value.lower():
                continue
            if iban_valid(value):
                yield m.start(), end, "iban", _PRIORITY["iban"]
                break


# --------------------------------------------------------------------------- NIR, SIREN, SIRET

_NIR = re.compile(
    _NUM_L + r"[1-478] ?\d\d ?\d\d ?(?:(?:\d\d|2[ABab]) ?\d{3}|\d{3} ?\d\d) ?\d{3} ?\d\d" + _NUM_R + r"(?! \d)")
_SIRET = re.compile(_NUM_L + r"(?:\d{14}|\d{3} \d{3} \d{3} \d{5}|\d{9} \d{5}|\d{3}\.\d{3}\.\d{3}\.\d{5})"
                    + _NUM_R + r"(?! \d)")
_SIREN = re.compile(_NUM_L + r"(?:\d{9}|\d{3} \d{3} \d{3}|\d{3}\.\d{3}\.\d{3})" + _NUM_R + r"(?! \d)")
_COMPANY_KEYWORDS = re.compile(
    r"(?<![a-z])(?:siren|siret|r\.?c\.?s\.?|n°\s*d['’]entreprise|num[ée]ro d['’]entreprise|"
    r"n°\s*d['’]identification|immatricul[ée]e?|registre du commerce|company (?:number|registration|id)|"
    r"tva intracommunautaire|vat)(?![a-z])", _FLAGS)
_QUANTITY_AFTER = re.compile(
    r"^\s?(?:€|\$|£|eur\b|euros?\b|usd\b|dollars?\b|francs?\b|m²|m2\b|km\b|kg\b|tonnes?\b|t\b|"
    r"habitants?\b|personnes?\b|salari[ée]s?\b|employ[ée]s?\b|clients?\b|utilisateurs?\b|users?\b|"
    r"people\b|visiteurs?\b|visitors?\b|abonn[ée]s?\b|exemplaires?\b|copies\b|units?\b|unit[ée]s?\b|"
    r"vues\b|views\b|pages?\b|octets\b|bytes\b|mo\b|go\b|mb\b|gb\b)", _FLAGS)


def _find_nir(text: str) -> Iterator[_Cand]:
    for m in _NIR.finditer(text):
        if nir_valid(m.group()):
            yield m.start(), m.end(), "nir", _PRIORITY["nir"]


def _find_siret(text: str) -> Iterator[_Cand]:
    for m in _SIRET.finditer(text):
        if siret_valid(m.group()):
            yield m.start(), m.end(), "siret", _PRIORITY["siret"]


def _find_siren(text: str) -> Iterator[_Cand]:
    for m in _SIREN.finditer(text):
        value = m.group()
        if not siren_valid(value):
            continue
        before, after = _context(text, m.start(), m.end(), 30)
        keyword = _COMPANY_KEYWORDS.search(before) or _COMPANY_KEYWORDS.search(after)
        grouped = not value.isdigit()
        if keyword or (grouped and not _QUANTITY_AFTER.match(after)
                       and not re.search(r"[€$£]\s?$", before)):
            yield m.start(), m.end(), "siren", _PRIORITY["siren"]


# --------------------------------------------------------------------------- payment cards

_CARD = re.compile(_NUM_L + r"(?:\d{12,19}|\d{3,6}(?: \d{1,6}){2,5}|\d{3,6}(?:-\d{1,6}){2,5})" + _NUM_R)
_CARD_KEYWORDS = re.compile(
    r"(?<![a-z])(?:card|carte|cb|visa|mastercard|master card|amex|american express|diners|discover|"
    r"jcb|maestro|unionpay|cr[ée]dit|debit|d[ée]bit|paiement|payment|pay|payer|cvv|cvc|expir|charge|"
    r"d[ée]biter|pr[ée]lever)", _FLAGS)


_NOT_CARD_BEFORE = re.compile(
    r"(?<![a-z])(?:sku|ean|gtin|isbn|upc|ref|r[ée]f[ée]rence|tracking|suivi|colis|parcel|order|commande|"
    r"facture|invoice|serial|s[ée]rie|lot|barcode|code[- ]barre)\W*(?:n°|no\.?|number|num[ée]ro)?\W*$", _FLAGS)


def _find_card(text: str) -> Iterator[_Cand]:
    for m in _CARD.finditer(text):
        cand = m.group()
        groups = list(re.finditer(r"\d+", cand))
        best = None
        # The first, longest run of whole groups that is a valid card (a year or a count glued
        # after it is dropped); only the last group may be shorter than 3 digits.
        runs = ((i, j) for i in range(len(groups)) for j in range(len(groups), i, -1))
        for i, j in runs:
            if j - i > 1 and min(len(g.group()) for g in groups[i:j - 1]) < 3:
                continue
            s, e = groups[i].start(), groups[j - 1].end()
            if card_valid(cand[s:e]):
                best = (m.start() + s, m.start() + e)
                break
        if best and _NOT_CARD_BEFORE.search(text[max(0, best[0] - 25):best[0]]):
            best = None
        if best:
            before = text[max(0, best[0] - 40):best[0]]
            kind = "payment_card_ctx" if _CARD_KEYWORDS.search(before) else "payment_card"
            yield best[0], best[1], "payment_card", _PRIORITY[kind]


# --------------------------------------------------------------------------- API keys, secrets

_API_KEY_SHAPES = re.compile(
    r"(?<![\w\-])(?:"
    r"sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_\-]{20,}"
    r"|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{22,}"
    r"|glpat-[A-Za-z0-9_\-]{20,}"
    r"|xox[abposre]-[A-Za-z0-9\-]{10,}"
    r"|AIza[0-9A-Za-z_\-]{35}"
    r"|hf_[A-Za-z0-9]{30,}"
    r"|npm_[A-Za-z0-9]{36}"
    r"|pypi-[A-Za-z0-9_\-]{50,}"
    r"|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"
    r"|eyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*"
    r")(?![\w\-])")
_KEY_WORDS = (r"api[_\- ]?keys?|apikey|access[_\- ]?keys?|secret[_\- ]?keys?|private[_\- ]?keys?|"
              r"client[_\- ]?secret|secret|tokens?|access[_\- ]?token|auth[_\- ]?token|bearer|keys?|"
              r"cl[ée]s?(?: d['’]api| api| secr[èe]te| priv[ée]e)?|cl[ée]s?|jetons?|api|credentials?|"
              r"identifiants?|signature|hmac|salt|webhook")
_GENERIC_KEY = re.compile(
    r"(?<![A-Za-z])(?:" + _KEY_WORDS + r")(?![A-Za-z])"
    r"[\s:=\"'`(\[{>]{0,4}(?:(?:is|est|was|:|=|->|=>)[\s:=\"'`]{1,4})?"
    r"([A-Za-z0-9_\-+/]{32,}={0,2})(?![A-Za-z0-9_\-+/=])", _FLAGS)
_PEM = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----")


def _entropy(s: str) -> float:
    counts = Counter(s)
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _find_api_key(text: str) -> Iterator[_Cand]:
    for m in _API_KEY_SHAPES.finditer(text):
        yield m.start(), m.end(), "api_key", _PRIORITY["api_key"]
    for m in _GENERIC_KEY.finditer(text):
        value = m.group(1)
        classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value),
                       any(c.isdigit() for c in value)))
        if classes >= 2 and _entropy(value) >= 3.0 and not re.fullmatch(r"[a-z_\-]+", value):
            yield m.start(1), m.end(1), "api_key", _PRIORITY["api_key_generic"]


_SECRET_KW = (r"passwords?|passwd|pwd|passphrase|pass phrase|passcode|mots? de passe|mots?-de-passe|"
              r"mdp|code secret|secret|code pin|pin|pin code|code d['’]acc[èe]s|access code")
_SECRET = re.compile(
    r"(?<![A-Za-zÀ-ÿ])(?:" + _SECRET_KW + r")(?![A-Za-zÀ-ÿ])"
    r"(?:\s*\((?:[^)\n]{1,20})\))?[\"'`]?"
    r"\s*(?P<sep>:|=|->|=>|\bis\b|\best\b|\bwas\b|\b[ée]tait\b|\bsera\b|\bwill be\b)\s*"
    r"(?:(?P<q>[\"'`«“‘])\s*(?P<quoted>[^\"'`»”’\n]{1,128}?)\s*[\"'`»”’]|(?P<bare>\S{1,128}))", _FLAGS)
_URL_PASSWORD = re.compile(
    r"(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]{0,30}://[^\s/@:]+:(?P<v>[^\s/@]+)@[\w.\-]+", _FLAGS)
_AUTH = re.compile(
    r"(?:(?<![A-Za-z])authorization\s*[:=]\s*(?:bearer|basic|token|bot|digest)\s+|(?<![A-Za-z])bearer\s+)"
    r"(?P<v>[A-Za-z0-9_\-.~+/]{8,}=*)", _FLAGS)
_SECRET_STOPWORDS = {
    "required", "requis", "obligatoire", "incorrect", "invalide", "invalid", "expired", "expiré",
    "oublié", "forgotten", "reset", "changed", "changé", "modifié", "updated", "missing", "manquant",
    "vide", "empty", "none", "null", "aucun", "aucune", "the", "le", "la", "les", "un", "une", "a",
    "an", "my", "mon", "ma", "votre", "your", "not", "pas", "same", "identique", "different",
    "différent", "correct", "valid", "valide", "strong", "weak", "fort", "faible", "robuste",
    "secure", "sécurisé", "confidential", "confidentiel", "confidentielle", "personal", "personnel",
    "unique", "temporary", "temporaire", "provisoire", "hidden", "masqué", "caché", "n/a",
    "demandé", "requested", "needed", "nécessaire", "optional", "optionnel", "facultatif",
    "voir", "see", "below", "above", "ci-dessous", "ci-dessus", "here", "ici", "attached", "joint",
    "envoyé", "sent", "fourni", "provided", "idem", "inchangé", "unchanged", "default", "défaut",
    "habituel", "usual", "minimum", "maximum", "true", "false", "vrai", "faux", "redacted",
}
_PLACEHOLDER_SECRETS = {"pass", "password", "passwd", "pwd", "secret", "mdp", "motdepasse", "xxx",
                        "your_password", "yourpassword", "mot_de_passe", "votre_mot_de_passe"}
_MASKED = re.compile(r"[*xX•●.\-_]+|[<\[{].*|\$\{\w+\}|\$[A-Z_][A-Z0-9_]*|%\w+%|\{\{.*")


def _secret_value_ok(value: str, quoted: bool, assignment: bool = False) -> bool:
    if not value or len(value) > 128:
        return False
    if _MASKED.fullmatch(value.strip()):
        return False  # "****", "<your password>", "${DB_PASSWORD}": no secret in the text
    if quoted:
        return len(value.strip()) >= 3
    if len(value) < 4 or value.lower() in _SECRET_STOPWORDS or value.lower() in _PLACEHOLDER_SECRETS:
        return False
    if assignment and value.isalnum():
        return True  # "mdp=azerty", "PASSWORD=changeme": configuration, not prose
    has_digit = any(c.isdigit() for c in value)
    has_symbol = any(not c.isalnum() for c in value)
    if has_digit or has_symbol:
        # A reference to something else ("voir ci-dessous", "(see below)") is not a secret.
        return not re.fullmatch(r"[A-Za-zÀ-ÿ]+[\-'’][A-Za-zÀ-ÿ]+", value) or any(c.isupper() for c in value[1:])
    return len(value) >= 8 and (any(c.isupper() for c in value[1:]) or not value.isalpha()
                                or len(value) >= 12)


def _find_secret(text: str) -> Iterator[_Cand]:
    for m in _SECRET.finditer(text):
        if m.group("quoted") is not None:
            v = m.group("quoted")
            start = m.start("quoted")
            if _secret_value_ok(v, True):
                yield start, start + len(v), "secret", _PRIORITY["secret"]
            continue
        v = m.group("bare")
        start = m.start("bare")
        if v[-1] in ".,;:":
            v = v[:-1]  # sentence punctuation glued after the value
        if v.endswith(")") and v.count("(") < v.count(")"):
            opened = text[max(0, m.start() - 40):m.start()]
            if opened.rfind("(") > opened.rfind(")"):
                v = v[:-1]  # "(mot de passe : abc123)": the parenthesis is the sentence's
        if _secret_value_ok(v, False, m.group("sep") == "="):
            yield start, start + len(v), "secret", _PRIORITY["secret"]
    for m in _AUTH.finditer(text):
        v = m.group("v").rstrip(".")
        if sum(c.isdigit() for c in v) or len(v) >= 16:
            yield m.start("v"), m.start("v") + len(v), "secret", _PRIORITY["secret"]
    for m in _URL_PASSWORD.finditer(text):
        if m.group("v").lower() in _PLACEHOLDER_SECRETS:
            continue  # "postgresql://user:pass@host/db" in documentation
        yield m.start("v"), m.end("v"), "secret", _PRIORITY["secret"]
    for m in _PEM.finditer(text):
        yield m.start(), m.end(), "secret", _PRIORITY["secret"]


# --------------------------------------------------------------------------- IP addresses

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(r"(?<![\w.\-])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?:/(?:3[0-2]|[12]?\d)(?!\d))?"
                   r"(?![\w\-]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
                   r"(?:/\d{1,3})?(?![\w]|:[0-9A-Fa-f]|\.\d)")
_NOT_IP_BEFORE = re.compile(
    r"(?<![a-z])(?:v|ver|version|versions|release|build|firmware|r[ée]vision|rev|section|article|art|"
    r"chapitre|chapter|clause|step|[ée]tape|paragraph|paragraphe|figure|fig|table|tableau|annexe|"
    r"appendix|norme|iso|oid|§)\.?\s*(?:(?:est|is|was|:|=|n°|no\.?|number|num[ée]ro|de|of)\s*)*$", _FLAGS)


def _find_ip(text: str) -> Iterator[_Cand]:
    for m in _IPV4.finditer(text):
        if _NOT_IP_BEFORE.search(text[max(0, m.start() - 24):m.start()]):
            continue
        yield m.start(), m.end(), "ip_address", _PRIORITY["ip_address"]
    for m in _IPV6.finditer(text):
        cand = m.group()
        addr = cand.split("/")[0]
        groups = [g for g in re.split(r":", addr) if g]
        if len(groups) < 2 or ("::" not in addr and addr.count(":") != 7 and "." not in addr):
            continue
        if not any(c.isalpha() for c in addr) and "::" not in addr:
            # Eight all-digit groups: more likely a list of times or scores than an address.
            if all(len(g) <= 2 for g in groups):
                continue
        try:
            ipaddress.IPv6Address(addr)
        except ValueError:
            continue
        yield m.start(), m.end(), "ip_address", _PRIORITY["ip_address"]


# --------------------------------------------------------------------------- postal addresses

def _fold_word(w: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", w.lower()) if not unicodedata.combining(c))



_UP = "A-ZÀ-ÖØ-Þ"
_FR_TYPES = (r"rue|avenue|av\.|ave\.?|boulevard|bd|bld|blvd|all[ée]e|impasse|imp\.|chemin|ch\.|place|pl\.|"
             r"quai|route|rte|cours|square|passage|voie|rond[- ]point|faubourg|fbg|promenade|esplanade|"
             r"parvis|villa|cit[ée]|hameau|lieu[- ]dit|r[ée]sidence|sentier|traverse|mont[ée]e|chauss[ée]e|"
             r"ruelle|venelle|mail|port|all\.")
# Street types whose name may be lower case after a particle ("12 rue de la paix").
_FR_STRONG_TYPES = {"rue", "avenue", "av.", "ave", "ave.", "boulevard", "bd", "bld", "blvd", "allée",
                    "allee", "impasse", "imp.", "chemin", "quai", "faubourg", "fbg"}
# Street types that are also common words ("5 cours de Python", "le port 8080"): with a number
# but no postcode after, they need an address cue before ("au", "adresse :", "domicilié", ...).
_FR_AMBIGUOUS_TYPES = {"place", "pl.", "cours", "passage", "voie", "port", "mail", "villa", "cité", "cite",
                       "résidence", "residence", "route", "rte", "square", "sentier", "traverse",
                       "montée", "montee", "parvis", "promenade", "hameau", "esplanade", "chaussée",
                       "chaussee", "ch.", "all.", "imp."}
_FR_ADDRESS_CUE = re.compile(
    r"(?:(?<![a-zà-ÿ])(?:au|aux|à|a|adresse|situ[ée]e?s?|sise?|domicili[ée]e?s?|habite|habitant|"
    r"demeurant|r[ée]sid\w*|si[èe]ge|livr\w*|envoy\w*|exp[ée]di\w*|chez|at|to)|[:,\n(]|^)\s*$", _FLAGS)
_FR_PARTICLES = {"de", "du", "des", "la", "le", "les", "aux", "au", "à", "sur", "sous", "en", "et",
                 "lès", "d'", "l'", "d’", "l’"}
_FR_STREET = re.compile(
    r"(?<![\w.,/\-])(?:(?P<num>\d{1,4}(?:\s?(?:bis|ter|quater|[A-Da-d])(?![\w]))?)\s*,?\s+)?"
    r"(?P<type>" + _FR_TYPES + r")(?![\w])", _FLAGS)
_TOKEN = re.compile(r"[\s\u00a0]*((?:[dl]['’])|[\w][\w'’\-]*\.?|[\w])", re.UNICODE)
_FR_POSTCODE = r"(?:0[1-9]|[1-8]\d|9[0-5]|97|98)\d{3}"
_FR_POSTCODE_CITY = re.compile(
    r"(?<![\w.,/\-])(?<!\d )(?:(?:F|FR)-)?" + _FR_POSTCODE + r"(?=[ \u00a0]+[" + _UP + r"])")
_CITY_STOP = {
    "euros", "euro", "eur", "dollars", "usd", "francs", "personnes", "salaries", "salariés", "employes",
    "employés", "habitants", "utilisateurs", "clients", "users", "people", "employees", "visiteurs",
    "français", "francais", "européens", "européennes", "americains", "américains", "anglais",
    "allemands", "belges", "suisses", "km", "kg", "mo", "go", "ko", "mb", "gb", "kb", "hz", "tonnes",
    "ans", "years", "jours", "days", "heures", "hours", "points", "exemplaires", "copies",
    "units", "unités", "lignes", "lines", "votes", "voix", "abonnés", "followers", "likes", "vues",
    "views", "dossiers", "cas", "cases", "articles", "produits", "products", "parisiens", "lyonnais",
    "marseillais", "franciliens", "britanniques", "espagnols", "italiens", "chinois", "japonais",
}

_CITY_STOP_FOLDED = {_fold_word(w) for w in _CITY_STOP}

# A number, a capitalised name and one of these is an address on its own ("10 Downing St")...
_EN_STRONG_SUFFIXES = {
    "street", "st", "avenue", "ave", "av", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr",
    "terrace", "crescent", "cres", "highway", "hwy", "parkway", "pkwy", "expressway", "freeway",
    "turnpike", "motorway", "stravenue", "trafficway", "throughway", "causeway", "alley", "mews",
}
# ...one of these only with more address around it (a flat or suite number, a city with a state
# and ZIP code or a UK postcode): "the 9 Supreme Court justices" is no address.
_EN_WEAK_SUFFIXES = {
    "court", "ct", "square", "sq", "place", "pl", "way", "close", "circle", "cir", "trail", "trl",
    "plaza", "gardens", "grove", "row", "walk", "wharf",
    "branch", "bridge", "brook", "brooks", "burg", "burgs", "bypass", "camp", "canyon", "cape", "center",
    "centers", "circles", "cliff", "cliffs", "club", "common", "corner", "corners", "course", "courts",
    "cove", "coves", "creek", "crest", "crossing", "crossroad", "curve", "dale", "dam", "divide",
    "drives", "estate", "estates", "extension", "extensions", "fall", "falls", "ferry", "field",
    "fields", "flat", "flats", "ford", "fords", "forest", "forge", "forges", "fork", "forks", "fort",
    "garden", "gateway", "glen", "glens", "green", "greens", "groves", "harbor", "harbors", "haven",
    "heights", "hill", "hills", "hollow", "inlet", "island", "islands", "isle", "junction",
    "junctions", "key", "keys", "knoll", "knolls", "lake", "lakes", "land", "landing", "light",
    "lights", "loaf", "lock", "locks", "lodge", "loop", "mall", "manor", "manors", "meadow", "meadows",
    "mill", "mills", "mission", "mount", "mountain", "mountains", "neck", "orchard", "oval",
    "overpass", "park", "parks", "parkways", "pass", "passage", "path", "pike", "pine", "pines",
    "plain", "plains", "point", "points", "port", "ports", "prairie", "radial", "ramp", "ranch",
    "rapid", "rapids", "rest", "ridge", "ridges", "river", "roads", "route", "rue", "run", "shoal",
    "shoals", "shore", "shores", "skyway", "spring", "springs", "spur", "spurs", "squares", "station",
    "stream", "streets", "summit", "trace", "track", "tunnel", "underpass", "union", "unions",
    "valley", "valleys", "via", "viaduct", "view", "views", "village", "villages", "ville", "vista",
    "walks", "wall", "ways", "well", "wells",
}
_EN_STREET_START = re.compile(
    r"(?<![\w.,/\-])(?:(?P<sec>(?:Flat|Studio|Apartment|Apt\.?|Unit|Suite)\s+\d{1,5}[A-Za-z]?)\s*[,\n]\s*"
    r"(?P<num2>\d{1,5}[A-Za-z]?\s+)?|(?P<num>\d{1,5}[A-Za-z]?)\s+)(?=[" + _UP + r"]|\d{1,3}(?:st|nd|rd|th)\b)")
_EN_SECONDARY = re.compile(
    r"(?:\s*,\s*|\s+)(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Room|Floor|Fl\.?|#)\s*#?\d[\w\-]*")
_US_STATES = ("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
              "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM FM MH PW "
              "AA AE AP").split()
_US_STATE_ZIP = r"(?:" + "|".join(_US_STATES) + r")\s+\d{5}(?:-\d{4})?(?!\d)"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}"
_UK_AREAS = set(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN "
    "EX FK FY G GL GY GU HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK "
    "ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY "
    "TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE".split())
_CITY = r"[" + _UP + r"][\w'’\-]*(?:[ \u00a0][" + _UP + r"][\w'’\-]*){0,3}"
_EN_TAIL = re.compile(
    r"(?:\s*[,\n]\s*|\s+)(?:(?P<city>" + _CITY + r")(?:\s*[,\n]\s*|\s+))?"
    r"(?:(?P<state>" + _US_STATE_ZIP + r")|(?P<uk>" + _UK_POSTCODE + r"))(?![\w])", re.UNICODE)
_US_CITY_STATE = re.compile(r"(?<![\w])" + _CITY + r",[ \u00a0]" + _US_STATE_ZIP, re.UNICODE)
_UK_ALONE = re.compile(r"(?<![\w\-])" + _UK_POSTCODE + r"(?![\w\-])")
_MILITARY = re.compile(
    r"(?<![\w])(?:PSC \d{4},? Box \d{4}|Unit \d{4},? Box \d{4}|(?:USS|USNS|USNV|USCGC) [A-Z][a-z]+)"
    r"\s*[,\n]?\s*[AFD]PO (?:AA|AE|AP) \d{5}(?:-\d{4})?(?!\d)")
_NOT_ADDRESS_BEFORE = re.compile(
    r"(?<![a-z])(?:figure|fig|table|tableau|chapter|chapitre|section|step|[ée]tape|part|partie|page|p|"
    r"article|art|appendix|annexe|item|phase|level|niveau|stage|grade|version|top|n°|no|number|"
    r"num[ée]ro|room|salle|lot|ligne|line|slide|question|exercise|exercice|module|unit|lesson|le[çc]on)"
    r"\.?\s*$", _FLAGS)
_YEAR_BEFORE = re.compile(
    r"(?<![a-z])(?:in|since|by|until|from|of|during|before|after|around|circa|en|depuis|year|fy|"
    r"ann[ée]e|d[èe]s|jusqu['’]en|avant|apr[èe]s|q[1-4]|h[12]|t[1-4]|s[12])\.?\s*$", _FLAGS)


def _fr_city_end(text: str, pos: int) -> int | None:
    """End of a French city name starting at `pos` (after the postcode), or None."""
    end = None
    i = pos
    words = 0
    while words < 5:
        m = _TOKEN.match(text, i)
        if not m or "\n" in text[i:m.start(1)]:
            break
        tok = m.group(1).rstrip(".")
        if words and tok.lower() == "cedex":
            end = i = m.start(1) + len(tok)
            n = re.match(r"[ \u00a0]?\d{1,2}(?!\d)", text[i:])
            if n:
                end = i + n.end()
            break
        if tok[:1].isupper() and not tok.isdigit():
            if words == 0 and _fold_word(tok) in _CITY_STOP_FOLDED:
                return None
            if words == 0 and tok.isupper() and len(tok) <= 3:
                return None
            end = m.start(1) + len(tok)
            words += 1
            i = end
        elif words and tok.lower() in _FR_PARTICLES:
            i = m.end(1)  # "Saint-Jean de Luz", "Châlons en Champagne": kept if a name follows
        elif words and re.fullmatch(r"\d{1,2}(?:e|er|ème)", tok):
            end = m.start(1) + len(tok)
            break
        else:
            break
    return end


_FR_TAIL = re.compile(r"[ \u00a0]*(?:[,\n\-–][ \u00a0]*|\n)?\s*(?:(?:BP|CS)\s?\d{1,6}\s*,?\s*)?(?:(?:F|FR)-)?("
                      + _FR_POSTCODE + r")(?=[ \u00a0]+[" + _UP + r"])")


def _fr_postcode_city(text: str, pos: int) -> int | None:
    """End of 'POSTCODE City' starting at `pos` (possibly after a separator), or None."""
    m = _FR_TAIL.match(text, pos)
    if not m:
        return None
    return _fr_city_end(text, m.end(1))


def _find_fr_address(text: str) -> Iterator[_Cand]:
    for m in _FR_STREET.finditer(text):
        typ = m.group("type").lower()
        strong = typ in _FR_STRONG_TYPES
        i = m.end()
        end = None
        words = 0
        particle_before = False
        lowered = False
        while words < 10:
            t = _TOKEN.match(text, i)
            if not t or "\n" in text[i:t.start(1)]:
                break
            tok = t.group(1)
            low = tok.lower()
            lower_saint = low.rstrip(".") in {"st", "ste", "saint", "sainte"} and not tok[:1].isupper()
            if low in _FR_PARTICLES or lower_saint:
                particle_before = True
                i = t.end(1)
                continue
            if tok[:1].isupper() or (tok[:1].isdigit() and len(tok.rstrip(".")) <= 4 and end is None
                                      and not re.match(_FR_POSTCODE + r"$", tok)):
                if tok[:1].isdigit() and not (particle_before or words):
                    break
                tok = tok[:-1] if tok.endswith(".") and len(tok) > 3 else tok
                end = t.start(1) + len(tok)
                words += 1
                particle_before = False
                i = end
                continue
            if tok[:1].isdigit() and end is not None and len(tok) <= 4 and not re.match(r"\d{5}", tok):
                end = t.start(1) + len(tok)
                i = end
                continue
            if (strong and particle_before and not lowered and tok[:1].isalpha() and tok.isalpha()
                    and (end is None or words < 3)):
                end = t.start(1) + len(tok)
                lowered = True
                words += 1
                particle_before = False
                i = end
                continue
            break
        if end is None:
            continue
        tail = _fr_postcode_city(text, end)
        if m.group("num") is None and tail is None:
            continue
        if m.group("num") is not None:
            before = text[max(0, m.start() - 20):m.start()]
            if _NOT_ADDRESS_BEFORE.search(before) and tail is None:
                continue
            if lowered and words == 1 and tail is None and typ not in {"rue", "avenue", "boulevard",
                                                                         "impasse", "allée", "allee"}:
                continue
            if tail is None and typ in _FR_AMBIGUOUS_TYPES and not _FR_ADDRESS_CUE.search(before):
                continue
        yield m.start(), tail or end, "postal_address", _PRIORITY["postal_address"]
    for m in _FR_POSTCODE_CITY.finditer(text):
        end = _fr_city_end(text, m.end())
        if end is not None:
            yield m.start(), end, "postal_address", _PRIORITY["postal_address"]


def _find_en_address(text: str) -> Iterator[_Cand]:
    for m in _EN_STREET_START.finditer(text):
        year_like = False
        if m.group("num"):
            num = m.group("num")
            before = text[max(0, m.start() - 20):m.start()]
            if _NOT_ADDRESS_BEFORE.search(before):
                continue
            # "In 2019 Park Avenue was closed": a year, unless more address follows.
            year_like = bool(re.fullmatch(r"1[89]\d\d|2[01]\d\d", num)) and (
                bool(_YEAR_BEFORE.search(before)) or not before.strip())
        i = m.end()
        tokens: list[tuple[str, int, int]] = []
        while len(tokens) < 6:
            t = _TOKEN.match(text, i)
            if not t or "\n" in text[i:t.start(1)]:
                break
            tok = t.group(1)
            if not (tok[:1].isupper() or re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", tok)):
                break
            tokens.append((tok.rstrip("."), t.start(1), t.start(1) + len(tok.rstrip("."))))
            i = t.start(1) + len(tok)
            if tok.endswith("."):
                break
        # The last street-type word with at least one name word before it.
        best = None
        for k in range(len(tokens) - 1, 0, -1):
            w = tokens[k][0].lower()
            if w in _EN_STRONG_SUFFIXES or w in _EN_WEAK_SUFFIXES:
                best = k
                break
        if best is None:
            continue
        strong = tokens[best][0].lower() in _EN_STRONG_SUFFIXES
        end = tokens[best][2]
        if best + 1 < len(tokens) and tokens[best + 1][0] in {"NW", "NE", "SW", "SE", "N", "S", "E", "W"}:
            end = tokens[best + 1][2]
        sec = _EN_SECONDARY.match(text, end)
        if sec:
            end = sec.end()
        tail = _EN_TAIL.match(text, end)
        if tail and tail.group("uk") and not _uk_area_ok(tail.group("uk")):
            tail = None
        if tail:
            end = tail.end()
        if not (strong or sec or tail or m.group("sec")) or (year_like and not (sec or tail)):
            continue
        if strong and not (sec or tail or m.group("sec")):
            # "the 2 Hard Drive failures", "3 Wall Street banks": a noun after it, not an address.
            nxt = re.match(r"[ \u00a0]+([a-z]+)\b", text[end:end + 30])
            if nxt and nxt.group(1) not in _EN_FUNCTION_WORDS:
                continue
        yield m.start(), end, "postal_address", _PRIORITY["postal_address"]
    for m in _MILITARY.finditer(text):
        yield m.start(), m.end(), "postal_address", _PRIORITY["postal_address"]
    for m in _US_CITY_STATE.finditer(text):
        yield m.start(), m.end(), "postal_address", _PRIORITY["postal_address"] + 1
    for m in _UK_ALONE.finditer(text):
        if _uk_area_ok(m.group()):
            yield m.start(), m.end(), "postal_address", _PRIORITY["postal_address"] + 1


_EN_FUNCTION_WORDS = set(
    "a an the and or but nor so yet if then than as at by for from in into of off on onto out over to "
    "up upon with within without near next past since until till via per about after before behind "
    "between during is are was were be been being am has have had will would shall should can could "
    "may might must do does did which who whom whose where when that this these those there here "
    "now today tomorrow tonight yesterday please instead too also only just again soon still "
    "anymore although though because while whereas unless whether it its he she we they you i "
    "his her their our your my me him them us et ou à au aux pour chez depuis avec sans".split())


def _uk_area_ok(postcode: str) -> bool:
    area = re.match(r"[A-Z]+", postcode).group()
    return area in _UK_AREAS


def _find_address(text: str) -> Iterator[_Cand]:
    yield from _find_fr_address(text)
    yield from _find_en_address(text)


# --------------------------------------------------------------------------- listed names

def _fold(s: str) -> str:
    """Lower case, accents removed, apostrophes unified: same length as `s` (offsets kept)."""
    out = []
    for ch in s:
        if ch < "\x80":
            out.append(ch.lower())
            continue
        if ch in "’‘ʼ`´":
            out.append("'")
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).lower()
        if len(base) != 1:
            low = ch.lower()
            base = low if len(low) == 1 else ch
        out.append(base)
    return "".join(out)


@functools.lru_cache(maxsize=32)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    parts = set()
    for name in names:
        words = re.split(r"[\s\-\u00a0]+", _fold(str(name)).strip())
        words = [w for w in words if w]
        if words:
            parts.add(r"[\s\-\u00a0]+".join(re.escape(w) for w in words))
    if not parts:
        return None
    alternation = "|".join(sorted(parts, key=len, reverse=True))
    return re.compile(r"(?<!\w)(?:" + alternation + r")(?!\w)", re.UNICODE)


def _find_names(text: str, names: Iterable[str]) -> Iterator[_Cand]:
    rx = _names_pattern(tuple(names))
    if rx is None:
        return
    for m in rx.finditer(_fold(text)):
        yield m.start(), m.end(), "listed_name", _PRIORITY["listed_name"]


# --------------------------------------------------------------------------- scan, redact

# Detectors that need a digit in the text, and the others.
_DIGIT_DETECTORS: tuple[Callable[[str], Iterable[_Cand]], ...] = (
    _find_iban, _find_nir, _find_siret, _find_siren, _find_card, _find_phone, _find_ip, _find_address)
_OTHER_DETECTORS: tuple[Callable[[str], Iterable[_Cand]], ...] = (_find_email, _find_api_key, _find_secret)
_HAS_DIGIT = re.compile(r"\d")


def _resolve(cands: Iterable[_Cand]) -> list[_Cand]:
    """Keep the longest candidates, the most specific kind first on a tie, never two overlapping."""
    chosen: list[_Cand] = []  # sorted by start, pairwise disjoint
    starts: list[int] = []
    for c in sorted(set(cands), key=lambda c: (-(c[1] - c[0]), c[3], c[0])):
        if c[1] <= c[0]:
            continue
        i = bisect.bisect_left(starts, c[0])
        if i < len(chosen) and chosen[i][0] < c[1]:
            continue  # overlaps the next chosen one
        if i and chosen[i - 1][1] > c[0]:
            continue  # overlaps the previous one
        chosen.insert(i, c)
        starts.insert(i, c[0])
    return chosen


def scan(text: str, names: Iterable[str] | None = ()) -> list[Finding]:
    """The confidential items found in `text`, sorted by start, overlaps resolved.

    `names` are the organisation's confidential names (clients, code names), matched as whole
    words regardless of case and accents.
    """
    if not text:
        return []
    cands: list[_Cand] = []
    detectors = _OTHER_DETECTORS
    if _HAS_DIGIT.search(text):
        detectors += _DIGIT_DETECTORS
    elif "::" in text:
        detectors += (_find_ip,)  # "fe80::abcd" has no digit
    for detect in detectors:
        cands.extend(detect(text))
    if names:
        cands.extend(_find_names(text, names))
    return [Finding(kind, s, e, text[s:e]) for s, e, kind, _ in _resolve(cands)]


def _redaction_key(f: Finding) -> str:
    if f.kind == "listed_name":
        return " ".join(_fold(f.text).split())
    if f.kind == "email":
        return f.text.casefold()
    if f.kind in ("phone", "nir", "siret", "siren", "payment_card"):
        return re.sub(r"[^\dAB+]", "", f.text.upper())
    if f.kind == "iban":
        return re.sub(r"[\s\-]", "", f.text).upper()
    if f.kind == "postal_address":
        return " ".join(_fold(f.text).replace(",", " ").split())
    return f.text


def redact(text: str, findings: list[Finding]) -> tuple[str, dict[str, str]]:
    """Replace each finding by a placeholder such as [EMAIL_1]; the same value gets the same one.

    Returns the redacted text and the mapping placeholder -> original text (its first occurrence).
    """
    mapping: dict[str, str] = {}
    by_key: dict[tuple[str, str], str] = {}
    counters: Counter[str] = Counter()
    pieces: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if f.start < pos or f.end <= f.start:
            continue  # overlapping or empty: the first one already covers it
        label = PLACEHOLDER_LABELS.get(f.kind, f.kind.upper())
        key = (label, _redaction_key(f))
        placeholder = by_key.get(key)
        if placeholder is None:
            counters[label] += 1
            placeholder = f"[{label}_{counters[label]}]"
            by_key[key] = placeholder
            mapping[placeholder] = text[f.start:f.end]
        pieces.append(text[pos:f.start])
        pieces.append(placeholder)
        pos = f.end
    pieces.append(text[pos:])
    return "".join(pieces), mapping
