"""Benchmark of graders/confidential.py on a corpus generated with Faker.

    .venv/bin/python bench/bench_confidential.py [--n 2000] [--seed 1] [--show 10]

Faker is a development dependency: it is imported here only, never in graders/.

Two corpora are generated:
- identifier sentences: one well-formed identifier of a kind (from Faker's fr_FR, en_US and en_GB
  providers, or generated here for API keys and passwords) embedded in a French or English template
  sentence. A hit is a finding of the right kind at the right span (for a postal address, a finding
  that covers the whole address). Values Faker makes that are not themselves valid (a checksum or a
  length that the rules reject) are counted apart, not as misses.
- prose sentences with no identifier: Faker's French and English text, and business sentences full
  of years, dates, times, amounts, percentages, article and version numbers, standards and prices.
  Every finding there is a false positive.
"""
from __future__ import annotations

import argparse
import base64
import ipaddress
import json
import random
import re
import string
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faker import Faker  # noqa: E402  (dev dependency, bench only)

from graders import confidential as C  # noqa: E402

LOCALES = ("fr_FR", "en_US", "en_GB")

TEMPLATES: dict[str, list[str]] = {
    "email": [
        "Écrivez-moi à {v} avant vendredi.", "Mon adresse électronique : {v}", "Please reply to {v} by Monday.",
        "Contact: {v}", "Le client ({v}) a demandé un devis.", "Forward the report to {v}, thanks.",
    ],
    "phone": [
        "Appelez-moi au {v} demain matin.", "Tél. : {v}", "Son portable : {v}.", "Call me on {v} after 5 pm.",
        "Phone: {v}", "You can reach the client at {v} during office hours.", "Le standard ({v}) ferme à 18 h.",
        "Numéro de la ligne directe : {v}, poste de Mme Martin.", "Mobile {v}", "Joindre le support au {v} si besoin.",
        "Contact {v} for the delivery.", "{v} – laisser un message", "En cas d'urgence : {v}",
    ],
    "iban": [
        "Merci de virer le montant sur l'IBAN {v} avant la fin du mois.", "IBAN : {v}", "Our bank details: {v}.",
        "Le RIB du fournisseur est {v}, à vérifier.", "Please wire the deposit to {v} today.",
        "Compte {v} (banque principale)",
    ],
    "nir": [
        "Numéro de sécurité sociale : {v}.", "Son NIR est le {v}, à ne pas diffuser.", "N° SS {v}",
        "The employee's French social security number is {v}.", "NIR {v} – dossier complet.",
        "Le salarié (n° {v}) est en arrêt.",
    ],
    "siren": [
        "SIREN : {v}", "La société est immatriculée au RCS de Lyon sous le numéro {v}.",
        "Notre client (SIREN {v}) souhaite résilier.", "Company registration (SIREN) {v}.",
        "n° d'entreprise {v}", "L'entreprise {v} a réglé sa facture.",
    ],
    "siret": [
        "SIRET : {v}", "Le numéro SIRET de l'établissement est {v}.", "Établissement {v} (siège).",
        "Our French subsidiary's SIRET is {v}.", "Facturer l'établissement {v} et non le siège.",
    ],
    "payment_card": [
        "Ma carte bancaire : {v}, expiration 12/27.", "Card number {v}", "Payez avec la carte {v} svp.",
        "Please charge {v} for the renewal.", "Numéro de CB {v} – CVV au dos.", "Visa/Mastercard: {v}",
    ],
    "api_key": [
        "Voici ma clé : {v}", "OPENAI_API_KEY={v}", "export TOKEN=\"{v}\"", "api_key = '{v}'",
        "Use this key {v} for the staging server.", "Le jeton d'accès est {v}.", "{v}",
        "client = Client(api_key=\"{v}\")",
    ],
    "secret": [
        "password: {v}", "Mot de passe : {v}", "mdp={v}", "pwd = {v}", "passphrase: \"{v}\"",
        "Le mot de passe est {v} pour le compte admin.", "My password is {v} – please change it.",
        "Identifiant : admin / mot de passe : {v}", "DB_PASSWORD={v}",
    ],
    "ip_address": [
        "Le serveur de production est en {v}.", "Connect to {v} over SSH.", "IP : {v}",
        "Les requêtes viennent de {v} depuis hier.", "Whitelist {v} in the firewall, please.",
        "host={v} port=5432",
    ],
    "postal_address": [
        "Livrez le colis au {v}, merci.", "Adresse : {v}", "Mon adresse est {v}.",
        "Ship it to {v} by Friday.", "Our office: {v}", "Le client habite {v} depuis 2019.",
        "Send the contract to {v}.",
    ],
    "listed_name": [
        "Le dossier {v} est prioritaire.", "Résumé de la réunion avec {v} ce matin.",
        "Draft an email to {v} about the delay.", "Nous avons perdu l'appel d'offres face à {v}.",
        "What does {v} expect from the pilot?", "Compte rendu : {v}, revue trimestrielle.",
    ],
}

# Templates that put a SIREN without its 3-3-3 grouping need a company keyword.
SIREN_KEYWORD_TEMPLATES = [t for t in TEMPLATES["siren"] if re.search(r"SIREN|RCS|n° d'entreprise", t)]


# --------------------------------------------------------------------------- generated values

def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def gen_api_key(rng: random.Random, fake: Faker) -> tuple[str, str | None]:
    """A key and, for keys with no well-known shape, the template that gives it its context."""
    alnum = string.ascii_letters + string.digits
    shape = rng.randrange(10)
    if shape == 0:
        return "sk-" + _rand(rng, alnum, 48), None
    if shape == 1:
        return "sk-proj-" + _rand(rng, alnum + "_-", rng.randint(40, 120)), None
    if shape == 2:
        return "AKIA" + _rand(rng, string.ascii_uppercase + string.digits, 16), None
    if shape == 3:
        return rng.choice(["ghp_", "gho_", "ghs_"]) + _rand(rng, alnum, 36), None
    if shape == 4:
        return "github_pat_" + _rand(rng, alnum, 22) + "_" + _rand(rng, alnum, 59), None
    if shape == 5:
        return (f"xox{rng.choice('bpas')}-{rng.randint(10**10, 10**12)}-{rng.randint(10**10, 10**12)}-"
                + _rand(rng, alnum, 24)), None
    if shape == 6:
        return "AIza" + _rand(rng, alnum + "_-", 35), None
    if shape == 7:
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64url(json.dumps({"sub": str(fake.uuid4()), "name": fake.name(),
                                      "iat": rng.randint(1.6e9, 1.8e9)}).encode())
        return f"{header}.{payload}.{_b64url(rng.randbytes(32))}", None
    value = _rand(rng, alnum + "_-", rng.randint(32, 64))
    template = rng.choice(["api_key = '{v}'", "Voici ma clé API : {v}", "token: {v}", "SECRET_KEY={v}",
                           "Le jeton : {v}", "export STRIPE_KEY={v}",
                           "my access token is {v}"])
    return value, template


def _group(digits: str, sizes: list[int], sep: str = " ") -> str:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i:i + size])
        i += size
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(p for p in out if p)


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def gen_value(kind: str, rng: random.Random, fakers: dict[str, Faker]) -> tuple[str, str | None, bool, list[str]]:
    """(value, template or None, valid by the detector's own rules, names list to pass to scan)."""
    fr, us, gb = fakers["fr_FR"], fakers["en_US"], fakers["en_GB"]
    any_fake = fakers[rng.choice(LOCALES)]
    if kind == "email":
        return any_fake.email(), None, True, []
    if kind == "phone":
        value = any_fake.phone_number()
        core = re.sub(r"\s?(?:x|ext\.?)\s?\d+$", "", value).replace("(0)", "")
        digits = re.sub(r"\D", "", core)
        if core.startswith("00"):
            digits = digits[2:]
        return value, None, 10 <= len(digits) <= 15, []
    if kind == "iban":
        value = rng.choice([fr, us, gb]).iban()
        if rng.random() < 0.5:
            value = " ".join(value[i:i + 4] for i in range(0, len(value), 4))
        return value, None, C.iban_valid(value), []
    if kind == "nir":
        value = fr.ssn()
        if rng.random() < 0.5:
            value = _group(value, [1, 2, 2, 2, 3, 3, 2])
        return value, None, C.nir_valid(value), []
    if kind == "siren":
        value = fr.siren()
        template = None
        if rng.random() < 0.3:
            value = value.replace(" ", "")
            template = rng.choice(SIREN_KEYWORD_TEMPLATES)
        return value, template, C.siren_valid(value), []
    if kind == "siret":
        value = fr.siret()
        if rng.random() < 0.4:
            value = value.replace(" ", "")
        return value, None, C.siret_valid(value), []
    if kind == "payment_card":
        value = any_fake.credit_card_number()
        r = rng.random()
        if len(value) == 16 and r < 0.4:
            value = _group(value, [4, 4, 4, 4], rng.choice([" ", "-"]))
        elif len(value) == 15 and r < 0.4:
            value = _group(value, [4, 6, 5])
        return value, None, C.card_valid(value), []
    if kind == "api_key":
        value, template = gen_api_key(rng, any_fake)
        return value, template, True, []
    if kind == "secret":
        if rng.random() < 0.15:
            token = _rand(rng, string.ascii_letters + string.digits + "-_", rng.randint(20, 40))
            return token, rng.choice(["Authorization: Bearer {v}", "curl -H 'Authorization: Bearer {v}'"]), True, []
        value = any_fake.password(length=rng.randint(8, 20))
        return value, None, True, []
    if kind == "ip_address":
        r = rng.random()
        if r < 0.6:
            return any_fake.ipv4(), None, True, []
        value = any_fake.ipv6()
        if r < 0.8:  # a compressed form: a run of zero groups written "::"
            groups = ipaddress.IPv6Address(value).exploded.split(":")
            i = rng.randrange(8)
            j = min(8, i + rng.randint(2, 5))
            groups[i:j] = ["0000"] * (j - i)
            value = str(ipaddress.IPv6Address(":".join(groups)))
        return value, None, True, []
    if kind == "postal_address":
        loc = rng.choice(LOCALES)
        value = fakers[loc].address()
        joiner = rng.choice([", ", "\n"] + ([" "] if loc == "fr_FR" else []))
        return value.replace("\n", joiner), None, True, []
    if kind == "listed_name":
        r = rng.random()
        if r < 0.4:
            name = fr.company()
        elif r < 0.7:
            name = rng.choice([us, gb]).company()
        else:
            name = rng.choice(["Projet ", "Project ", "Opération "]) + rng.choice([fr, us]).word().capitalize()
        shown = name
        r = rng.random()
        if r < 0.2:
            shown = name.lower()
        elif r < 0.3:
            shown = name.upper()
        elif r < 0.5:
            shown = _strip_accents(name)
        decoys = ["Projet Albatros", "Dupont SA", "Opération Hermès"]
        return shown, None, True, [name] + decoys
    raise ValueError(kind)


# --------------------------------------------------------------------------- prose without identifiers

FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]


def _fr_amount(rng: random.Random) -> str:
    n = rng.choice([rng.randint(10, 999), rng.randint(1000, 99999), rng.randint(100000, 9999999)])
    s = f"{n:,}".replace(",", rng.choice([" ", "\u202f", "."]))
    if rng.random() < 0.3:
        s += f",{rng.randint(0, 99):02d}"
    return s + rng.choice([" €", " euros", " € HT", " EUR", "€"])


def _en_amount(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.3:
        return f"${rng.randint(1, 999)}.{rng.randint(0, 9)} million"
    if r < 0.6:
        return f"${rng.randint(100, 9_999_999):,}"
    if r < 0.8:
        return f"£{rng.randint(1, 99_999):,}.{rng.randint(0, 99):02d}"
    return f"€{rng.randint(1, 999)}k"


def business_sentence(rng: random.Random, fake: Faker) -> str:
    y = rng.randint(1990, 2030)
    y2 = y + 1
    pct = rng.choice([f"{rng.randint(1, 99)} %", f"{rng.randint(1, 99)},{rng.randint(1, 9)} %",
                      f"{rng.randint(1, 99)}%", f"+{rng.randint(1, 40)} %", f"-{rng.randint(1, 40)}%"])
    pct_en = rng.choice([f"{rng.randint(1, 99)}%", f"{rng.randint(1, 99)}.{rng.randint(1, 9)}%",
                         f"+{rng.randint(1, 40)}%"])
    d, m = rng.randint(1, 28), rng.randint(1, 12)
    date_fr = rng.choice([f"{d:02d}/{m:02d}/{y}", f"{d} {FR_MONTHS[m - 1]} {y}", f"{y}-{m:02d}-{d:02d}",
                          f"{d:02d}.{m:02d}.{y}", f"{d:02d}-{m:02d}-{y}"])
    date_en = rng.choice([f"{EN_MONTHS[m - 1]} {d}, {y}", f"{m}/{d}/{y}", f"{y}-{m:02d}-{d:02d}",
                          f"{d} {EN_MONTHS[m - 1]} {y}"])
    hour = rng.choice([f"{rng.randint(7, 20)}h{rng.choice(['', '00', '15', '30', '45'])}",
                       f"{rng.randint(7, 20)}:{rng.choice(['00', '15', '30', '45'])}",
                       f"{rng.randint(7, 20)} h {rng.choice(['00', '15', '30'])}"])
    hour_en = rng.choice([f"{rng.randint(1, 12)}:{rng.choice(['00', '15', '30', '45'])} {rng.choice(['am', 'pm'])}",
                          f"{rng.randint(7, 20)}:{rng.choice(['00', '30'])}"])
    n = rng.randint(2, 5000)
    big = f"{rng.randint(1000, 999999):,}".replace(",", " ")
    big_en = f"{rng.randint(1000, 99_999_999):,}"
    ver = rng.choice([f"{rng.randint(1, 5)}.{rng.randint(0, 20)}", f"{rng.randint(1, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}",
                      f"v{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}"])
    art = rng.choice([f"article {rng.randint(1, 99)}({rng.randint(1, 9)})", f"l'article {rng.randint(1, 99)}",
                      f"article L. {rng.randint(1000, 9999)}-{rng.randint(1, 20)}", f"Article {rng.randint(1, 99)}"])
    iso = rng.choice(["ISO 27001", "ISO/IEC 27001:2022", "ISO 9001:2015", "ISO 8601", "ISO 14001",
                      "NF Z42-013", "RFC 5322", "EN 301 549"])
    city = fake.city()
    name = fake.name()
    company = fake.company()
    templates = [
        f"Le chiffre d'affaires a progressé de {pct} en {y} pour atteindre {_fr_amount(rng)}.",
        f"La réunion du comité est prévue le {date_fr} à {hour} dans la salle {rng.randint(1, 450)}.",
        f"Conformément à {art} du RGPD, la durée de conservation est de {rng.randint(1, 10)} ans.",
        f"Nous avons recruté {n} collaborateurs entre {y} et {y2}, soit une hausse de {pct}.",
        f"Le budget {y} s'élève à {_fr_amount(rng)}, contre {_fr_amount(rng)} en {y - 1}.",
        f"La certification {iso} a été renouvelée le {date_fr}.",
        f"Mettez à jour l'application en version {ver} avant le {date_fr}.",
        f"Le taux de satisfaction atteint {pct} sur un panel de {big} clients.",
        f"{company} a ouvert {rng.randint(2, 40)} agences à {city} depuis {y}.",
        f"Le prix unitaire passe de {rng.randint(1, 99)},{rng.randint(0, 99):02d} € à {rng.randint(1, 99)},{rng.randint(0, 99):02d} € au {rng.randint(1, 4)}e trimestre {y}.",
        f"{name} présentera les résultats du T{rng.randint(1, 4)} {y} le {d} {FR_MONTHS[m - 1]} à {hour}.",
        f"Le projet a duré {rng.randint(2, 36)} mois et mobilisé {rng.randint(2, 80)} personnes pour {rng.randint(100, 9000)} jours-homme.",
        f"La commande n° {rng.randint(1000, 99999)} du {date_fr} comprend {rng.randint(1, 500)} articles.",
        f"Selon l'INSEE, la population a atteint {big} habitants en {y}.",
        f"Le délai de paiement est de {rng.choice([30, 45, 60])} jours fin de mois, pénalités de {pct} par an.",
        f"La loi n° {y % 100:02d}-{rng.randint(1, 999)} du {d} {FR_MONTHS[m - 1]} {y} modifie le code du travail.",
        f"Revenue grew {pct_en} to {_en_amount(rng)} in fiscal year {y}.",
        f"The board meets on {date_en} at {hour_en} in room {rng.randint(100, 999)}.",
        f"Under {art.replace('l', 'L', 1) if art.startswith('l') else art} of the GDPR, records are kept for {rng.randint(1, 10)} years.",
        f"We shipped {big_en} units in Q{rng.randint(1, 4)} {y}, up {pct_en} year over year.",
        f"Please upgrade to version {ver} before {date_en}.",
        f"{company} raised {_en_amount(rng)} in a Series {rng.choice('ABCD')} round led by {fake.company()}.",
        f"Our {iso} audit is scheduled for {EN_MONTHS[m - 1]} {y}; {rng.randint(2, 30)} findings were closed.",
        f"The price drops from ${rng.randint(10, 999)}.99 to ${rng.randint(10, 999)}.99 on {date_en}.",
        f"Section {rng.randint(1, 12)}.{rng.randint(1, 9)}.{rng.randint(1, 9)} covers the {rng.randint(3, 90)}-day retention policy.",
        f"About {pct_en} of the {big_en} respondents said they work {rng.randint(20, 60)} hours a week.",
        f"{name} joined in {y} and manages a team of {rng.randint(2, 60)} people in {city}.",
        f"The warehouse at gate {rng.randint(1, 40)} handles {rng.randint(100, 20000)} parcels per day between {hour_en} and {rng.randint(5, 11)} pm.",
        f"Invoice {rng.randint(10000, 999999)} is due on {date_en} for {_en_amount(rng)}.",
        f"Le score moyen est de {rng.randint(1, 19)}/20 et {rng.randint(1, 99)} % des participants ont répondu en moins de {rng.randint(2, 30)} minutes.",
        f"Entre {y} et {y2}, les émissions ont baissé de {pct} pour atteindre {rng.randint(1, 999)} 000 tonnes.",
        f"Il reste {rng.randint(2, 500)} places pour la session du {d} au {min(d + 3, 28)} {FR_MONTHS[m - 1]} {y}.",
        f"La température moyenne était de {rng.randint(-5, 35)} °C le {date_fr}.",
        f"Page {rng.randint(1, 400)}, figure {rng.randint(1, 9)}.{rng.randint(1, 9)} : évolution {y}-{y2}.",
        f"Les {rng.randint(2, 40)} recommandations du rapport {y} sont reprises aux pages {rng.randint(1, 99)} à {rng.randint(100, 300)}.",
        f"Call volumes rose {pct_en} in {y}: {big_en} calls, an average wait of {rng.randint(1, 15)}:{rng.randint(10, 59)} minutes.",
        f"The {rng.randint(2, 30)}-page report ranks {company} {rng.randint(1, 50)}th out of {rng.randint(50, 500)}.",
        f"Coordonnées GPS du site : {rng.uniform(42, 51):.4f}, {rng.uniform(-4, 8):.4f}.",
        f"Build {rng.randint(1000, 99999)} passed {rng.randint(100, 5000)} tests in {rng.randint(1, 59)} min {rng.randint(1, 59)} s.",
        f"Le contrat {y}/{rng.randint(100, 999)} a été signé pour {rng.randint(12, 60)} mois, reconductible.",
        f"Le vol AF {rng.randint(100, 9999)} décolle à {hour} du terminal 2E, porte {rng.randint(1, 60)}.",
        f"Rendez-vous au {rng.randint(2, 30)}e étage, bureau {rng.randint(1, 9)}.{rng.randint(10, 40)}.",
        f"Suivez les {rng.randint(2, 12)} cours de Python proposés par l'équipe {company}.",
        f"Nous avons obtenu la {rng.randint(2, 10)}e place du classement {y}.",
        f"Le port {rng.choice([22, 80, 443, 5432, 8080, 8443])} doit être ouvert sur le pare-feu.",
        f"Plus de {rng.randint(1000, 99999)} Français ont répondu, dont {rng.randint(100, 999)} Parisiens.",
        f"Le match s'est terminé {rng.randint(0, 5)}-{rng.randint(0, 5)} après {rng.randint(90, 120)} minutes.",
        f"Format 16:9, résolution 1920x1080, durée {rng.randint(0, 2):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.",
        f"Facture n° {rng.randint(0, 99999999):010d} du {date_fr}, échéance à {rng.choice([30, 45, 60])} jours.",
        f"Référence produit REF-{y}-{rng.randint(1, 99999):05d}, EAN {rng.randint(10**12, 10**13 - 1)}.",
        f"Chrome {rng.randint(100, 130)}.0.{rng.randint(1000, 9999)}.{rng.randint(10, 300)} corrige {rng.randint(2, 40)} failles.",
        f"Install version {rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)} of the agent on {rng.randint(2, 400)} laptops.",
        f"The 9 Supreme Court justices ruled on {date_en}.",
        f"In {rng.randint(1990, 2024)} Park Avenue was closed for {rng.randint(2, 30)} days.",
        f"Chapter {rng.randint(1, 20)} Data Center Design covers {rng.randint(3, 30)} topics in {rng.randint(20, 90)} pages.",
        f"Top {rng.randint(3, 20)} Key Points from the {y} survey of {big_en} users.",
        f"The meeting ID is {rng.randint(100, 999)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} and the call lasts {rng.randint(15, 90)} minutes.",
        f"Le taux directeur passe de {rng.randint(1, 4)},{rng.randint(0, 99):02d} % à {rng.randint(1, 4)},{rng.randint(0, 99):02d} % le {date_fr}.",
        f"Les {rng.randint(2, 9)} lauréats {y} recevront chacun {rng.randint(1000, 9999)} € le {d} {FR_MONTHS[m - 1]}.",
        f"Room {rng.randint(100, 999)}, Building {rng.randint(1, 12)}, opens at {hour_en} on weekdays.",
        f"{rng.randint(2, 99)} out of {rng.randint(100, 999)} tickets ({pct_en}) were closed within {rng.randint(2, 72)} hours.",
        f"Le {d} {FR_MONTHS[m - 1]} {y}, {rng.randint(2, 900)} salariés ont suivi la formation {iso}.",
        f"Les {rng.randint(2, 12)} passages de la route de {city} seront fermés en {y}.",
        f"Temps de réponse : p50 = {rng.randint(10, 99)} ms, p99 = {rng.randint(100, 999)} ms sur {big} requêtes.",
    ]
    return rng.choice(templates)


def prose_sentences(rng: random.Random, fakers: dict[str, Faker], n: int) -> list[str]:
    out = []
    for i in range(n):
        loc = rng.choice(["fr_FR", "en_US"])
        fake = fakers[loc]
        r = rng.random()
        if r < 0.25:
            out.append(fake.sentence(nb_words=rng.randint(6, 18)))
        elif r < 0.35:
            out.append(fake.paragraph(nb_sentences=3))
        else:
            out.append(business_sentence(rng, fake))
    return out


def _invalid_reason(kind: str, value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if kind == "payment_card":
        if not 13 <= len(digits) <= 19:
            return f"{len(digits)} digits"
        if not C.luhn_valid(digits):
            return "Luhn check fails"
        return f"{len(digits)} digits with prefix {digits[:2]}, not an issuer's range"
    if kind == "phone":
        return f"{len(digits)} digits"
    return "checksum or format"


# --------------------------------------------------------------------------- run

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="identifier sentences per kind, and prose sentences ×2")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=0, help="print up to this many misses and false positives")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    fakers = {}
    for i, loc in enumerate(LOCALES):
        fakers[loc] = Faker(loc)
        fakers[loc].seed_instance(args.seed * 100 + i)

    stats: dict[str, Counter] = defaultdict(Counter)
    misses: dict[str, list[str]] = defaultdict(list)
    extra_examples: list[str] = []
    invalid_reasons: dict[str, Counter] = defaultdict(Counter)
    invalid_examples: dict[tuple[str, str], str] = {}
    scanned_chars = 0
    scan_time = 0.0

    for kind in C.KINDS:
        for _ in range(args.n):
            value, template, valid, names = gen_value(kind, rng, fakers)
            st = stats[kind]
            if not valid:
                st["invalid"] += 1
                reason = _invalid_reason(kind, value)
                invalid_reasons[kind][reason] += 1
                invalid_examples.setdefault((kind, reason), value)
                continue
            template = template or rng.choice(TEMPLATES[kind])
            start = template.index("{v}")
            sentence = template.replace("{v}", value)
            s, e = start, start + len(value)
            t0 = time.perf_counter()
            findings = C.scan(sentence, names)
            scan_time += time.perf_counter() - t0
            scanned_chars += len(sentence)
            st["count"] += 1
            if kind == "postal_address":
                hit = any(f.kind == kind and f.start <= s and f.end >= e for f in findings)
                st["exact"] += any(f.kind == kind and (f.start, f.end) == (s, e) for f in findings)
            else:
                hit = any(f.kind == kind and (f.start, f.end) == (s, e) for f in findings)
            st["found"] += hit
            if not hit:
                misses[kind].append(f"{sentence!r} -> {[(f.kind, f.text) for f in findings]}")
            others = [f for f in findings if f.end <= s or f.start >= e]
            st["extra"] += len(others)
            if others:
                extra_examples.append(f"{sentence!r} -> {[(f.kind, f.text) for f in others]}")

    prose = prose_sentences(rng, fakers, 2 * args.n)
    fp_total = 0
    fp_sentences = 0
    fp_kinds: Counter = Counter()
    fp_examples: list[str] = []
    prose_names = ["Projet Albatros", "Dupont SA", "Opération Hermès"]
    for sentence in prose:
        t0 = time.perf_counter()
        findings = C.scan(sentence, prose_names)
        scan_time += time.perf_counter() - t0
        scanned_chars += len(sentence)
        if findings:
            fp_sentences += 1
            fp_total += len(findings)
            fp_kinds.update(f.kind for f in findings)
            fp_examples.append(f"{sentence!r} -> {[(f.kind, f.text) for f in findings]}")

    # Throughput on one long document as well (a large pasted text).
    document = "\n".join(prose)
    t0 = time.perf_counter()
    C.scan(document, prose_names)
    doc_time = time.perf_counter() - t0

    print(f"confidential.scan benchmark — seed {args.seed}, {args.n} identifier sentences per kind, "
          f"{len(prose)} prose sentences (Faker {__import__('faker').VERSION})")
    print()
    print(f"{'kind':<16}{'generated':>10}{'invalid':>9}{'tested':>8}{'found':>8}{'recall':>9}{'extra':>7}")
    total_tested = total_found = 0
    for kind in C.KINDS:
        st = stats[kind]
        tested, found = st["count"], st["found"]
        total_tested += tested
        total_found += found
        recall = found / tested if tested else float("nan")
        line = (f"{kind:<16}{tested + st['invalid']:>10}{st['invalid']:>9}{tested:>8}{found:>8}"
                f"{recall:>9.2%}{st['extra']:>7}")
        if kind == "postal_address":
            line += f"   (exact span: {st['exact'] / tested:.2%})"
        print(line)
    print(f"{'all kinds':<16}{'':>10}{'':>9}{total_tested:>8}{total_found:>8}{total_found / total_tested:>9.2%}")
    print()
    print("  invalid = values Faker generated that the detector's own rules reject (bad checksum,")
    print("            length or card prefix): counted apart, not as misses.")
    print("  extra   = findings elsewhere in the identifier sentences (outside the embedded value).")
    for kind, reasons in invalid_reasons.items():
        print(f"  invalid {kind}: " + "; ".join(f"{n} × {reason} (e.g. {invalid_examples[kind, reason]})"
                                                for reason, n in reasons.most_common()))
    print()
    print(f"prose without identifiers: {len(prose)} sentences, {sum(map(len, prose)):,} characters")
    print(f"  findings per 1,000 sentences: {1000 * fp_total / len(prose):.2f}")
    print(f"  sentences with any finding:  {fp_sentences / len(prose):.3%} ({fp_sentences})")
    if fp_kinds:
        print(f"  by kind: {dict(fp_kinds)}")
    print()
    print(f"throughput, sentence by sentence: {scanned_chars / 1024 / scan_time:,.0f} KB/s "
          f"({scanned_chars:,} characters in {scan_time:.2f} s)")
    print(f"throughput, one {len(document) / 1024:,.0f} KB document: {len(document) / 1024 / doc_time:,.0f} KB/s")

    if args.show:
        print()
        for kind in C.KINDS:
            for line in misses[kind][:args.show]:
                print(f"MISS {kind}: {line}")
        for line in fp_examples[:args.show]:
            print(f"FALSE POSITIVE: {line}")
        for line in extra_examples[:args.show]:
            print(f"EXTRA: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
