"""Words accepted for choice fields: the stored value, its English and Dutch label, and the
synonyms Dutch and English spreadsheets use ('Webshop', 'Geleverd', 'Vrouw', …)."""

from __future__ import annotations

from functools import cache

from django.db import models
from django.utils import translation

from relata.contacts.models import Channel, Direction, Office, Outcome, Touchpoint
from relata.customers.models import CompanySize, CustomerKind, Gender, IncomeBand
from relata.imports.parsing import normalise_word
from relata.sales.models import OrderStatus, SalesChannel

_SYNONYMS: dict[type[models.TextChoices], dict[str, tuple[str, ...]]] = {
    SalesChannel: {
        "web": ("webshop", "online", "internet", "website", "webwinkel"),
        "store": ("shop", "winkel", "filiaal", "fysieke winkel", "retail"),
        "phone": ("telefoon", "telefonisch", "telephone", "tel"),
        "sales_rep": ("sales rep", "vertegenwoordiger", "buitendienst", "accountmanager"),
        "email": ("mail", "e-mail"),
    },
    OrderStatus: {
        "open": ("nieuw", "new", "in behandeling", "pending", "processing"),
        "delivered": ("geleverd", "afgeleverd", "bezorgd", "verzonden", "shipped", "completed",
                      "complete", "afgerond", "voltooid"),
        "cancelled": ("canceled", "geannuleerd", "vervallen"),
        "returned": ("retour", "geretourneerd", "retourned", "refunded"),
    },
    Gender: {
        "f": ("v", "vrouw", "female", "woman", "w", "mevrouw", "mevr"),
        "m": ("man", "male", "dhr", "heer"),
        "x": ("anders", "other", "overig", "onbekend", "divers", "non-binary"),
    },
    CustomerKind: {
        "person": ("persoon", "particulier", "consument", "consumer", "b2c", "individual", "p"),
        "organisation": ("organization", "organisatie", "bedrijf", "zakelijk", "company",
                         "business", "b2b", "o"),
    },
    IncomeBand: {
        "low": ("laag", "beneden modaal"),
        "middle": ("midden", "modaal", "medium", "gemiddeld"),
        "high": ("hoog", "boven modaal"),
    },
    CompanySize: {
        "micro": ("1-9", "zzp", "eenmanszaak"),
        "small": ("klein", "10-49", "mkb"),
        "medium": ("middelgroot", "middel", "50-249"),
        "large": ("groot", "250+", "250 or more", "enterprise"),
    },
    Channel: {
        "phone": ("telefoon", "telefonisch", "call", "bellen", "tel"),
        "email": ("mail", "e-mail"),
        "visit": ("bezoek", "afspraak", "meeting", "langs geweest"),
        "store": ("winkel", "shop", "filiaal", "balie"),
        "web": ("website", "online", "webformulier", "contactformulier", "internet"),
        "chat": ("webchat", "livechat", "whatsapp"),
        "social": ("social", "sociale media", "facebook", "twitter", "instagram", "linkedin"),
        "letter": ("brief", "post", "mail (post)"),
    },
    Direction: {
        "inbound": ("in", "inkomend", "binnenkomend", "incoming"),
        "outbound": ("out", "uit", "uitgaand", "outgoing"),
    },
    Touchpoint: {
        "sales": ("verkoop",),
        "marketing": (),
        "service": ("klantenservice", "customer service", "support"),
        "after_sales": ("nazorg", "aftersales", "after sales"),
        "billing": ("facturatie", "administratie", "finance", "invoicing", "debiteuren"),
        "delivery": ("levering", "bezorging", "logistiek", "shipping"),
    },
    Office: {
        "front": ("front office", "frontoffice", "voorkant"),
        "back": ("back office", "backoffice", "achterkant"),
    },
    Outcome: {
        "resolved": ("opgelost", "afgehandeld", "solved", "done"),
        "follow_up": ("follow up", "opvolgen", "terugbellen", "call back", "actie"),
        "information": ("informatie gegeven", "info", "informatie", "information given"),
        "quote_requested": ("offerte aangevraagd", "offerte", "quote"),
        "order_placed": ("order geplaatst", "bestelling geplaatst", "besteld", "order"),
        "no_answer": ("geen gehoor", "niet bereikt", "no response", "not reached"),
        "complaint": ("klacht",),
    },
}


@cache
def choice_words(
    choices: type[models.TextChoices], extra: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> dict[str, str]:
    """Every spelling of ``choices`` an import accepts: values, English and Dutch labels,
    the synonyms registered here and ``extra`` (value, synonyms) pairs of the caller's kind
    (a tuple: the result is cached by argument)."""
    words: dict[str, str] = {}
    for value, label in choices.choices:
        words[normalise_word(value)] = value
        for language in ("en", "nl"):
            with translation.override(language):
                words.setdefault(normalise_word(str(label)), value)
    for value, synonyms in (*_SYNONYMS.get(choices, {}).items(), *extra):
        for synonym in synonyms:
            words.setdefault(normalise_word(synonym), value)
    return words


# Country names people write instead of the ISO code.
COUNTRY_WORDS = {
    "nederland": "NL", "netherlands": "NL", "thenetherlands": "NL", "holland": "NL",
    "nl": "NL", "nld": "NL",
    "belgie": "BE", "belgium": "BE", "belgique": "BE", "be": "BE", "bel": "BE",
    "duitsland": "DE", "germany": "DE", "deutschland": "DE", "de": "DE", "deu": "DE",
    "frankrijk": "FR", "france": "FR", "fr": "FR",
    "luxemburg": "LU", "luxembourg": "LU", "lu": "LU",
    "verenigdkoninkrijk": "GB", "unitedkingdom": "GB", "uk": "GB", "engeland": "GB",
    "gb": "GB", "spanje": "ES", "spain": "ES", "es": "ES",
    "italie": "IT", "italy": "IT", "it": "IT",
    "verenigdestaten": "US", "unitedstates": "US", "usa": "US", "us": "US",
}
