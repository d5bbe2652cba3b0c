"""Column headers: which file column holds which field.

Every importable field has an English and a Dutch header (the ones exports write) and the
other names Dutch and English spreadsheets commonly use. Headers are compared after
normalisation (lower case, no accents, spaces or punctuation), so 'E-mailadres', 'e-mail
adres' and 'EMAILADRES' are the same. ``--map "Column=field"`` covers anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from relata.imports.parsing import normalise_word

CUSTOMERS = "customers"
ORDERS = "orders"
CONTACTS = "contacts"
REVIEWS = "reviews"
SOCIAL = "social"
KINDS = (CUSTOMERS, ORDERS, CONTACTS)
# Everything the import reads: the exported kinds and those imported only.
IMPORT_KINDS = (*KINDS, REVIEWS, SOCIAL)
# The kind in a sentence ("… is not a field of customers").
KIND_NAMES = {
    CUSTOMERS: gettext_lazy("customers"),
    ORDERS: gettext_lazy("orders"),
    CONTACTS: gettext_lazy("contact moments"),
    REVIEWS: gettext_lazy("reviews and comments"),
    SOCIAL: gettext_lazy("social profiles"),
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldSpec:
    name: str
    english: str
    dutch: str
    aliases: tuple[str, ...] = ()

    def header(self, language: str = "en") -> str:
        return self.dutch if language.startswith("nl") else self.english

    @property
    def label(self) -> str:
        """The field's name in the active language, for messages."""
        return self.header(get_language() or "en")


def _spec(name: str, english: str, dutch: str, *aliases: str) -> FieldSpec:
    return FieldSpec(name, english, dutch, aliases)


_CUSTOMER_NUMBER = _spec(
    "customer_number",
    "Customer number",
    "Klantnummer",
    "Customer no",
    "Customer nr",
    "Customer ID",
    "Customer code",
    "Klantnr",
    "Klant nr",
    "Klant-ID",
    "Klantcode",
    "Debiteurnummer",
    "Debiteurnr",
    "Debiteur",
    "Relatienummer",
    "Relatienr",
    "Account number",
)
_EMAIL_ALIASES = ("E-mail", "Email", "E-mail address", "Email address", "Mail", "Emailadres")
_NOTES = _spec(
    "notes", "Notes", "Notities", "Note", "Remarks", "Comments", "Opmerkingen", "Opmerking"
)

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    CUSTOMERS: (
        _CUSTOMER_NUMBER,
        _spec("kind", "Kind", "Soort", "Customer type", "Type", "Klantsoort", "Klanttype"),
        _spec("first_name", "First name", "Voornaam", "Firstname", "Given name", "Roepnaam"),
        _spec(
            "name_prefix", "Name prefix", "Tussenvoegsel", "Prefix", "Tussenvoegsels",
            "Voorvoegsel",
        ),
        _spec(
            "last_name", "Last name", "Achternaam", "Surname", "Family name", "Lastname",
            "Familienaam",
        ),
        _spec(
            "organisation_name", "Organisation", "Organisatie", "Organization",
            "Organisation name", "Organization name", "Company", "Company name", "Bedrijf",
            "Bedrijfsnaam", "Organisatienaam", "Firma", "Firmanaam",
        ),
        _spec("email", "E-mail", "E-mailadres", *_EMAIL_ALIASES),
        _spec(
            "phone", "Phone", "Telefoon", "Telephone", "Phone number", "Mobile", "Tel",
            "Telefoonnummer", "Telefoonnr", "Mobiel", "Mobiel nummer",
        ),
        _spec("street", "Street", "Straat", "Address", "Straatnaam", "Adres"),
        _spec("house_number", "House number", "Huisnummer", "Huisnr", "House no"),
        _spec("postcode", "Postcode", "Postcode", "Postal code", "Zip", "Zip code", "Post code"),
        _spec("city", "City", "Woonplaats", "Town", "Plaats", "Stad", "Vestigingsplaats"),
        _spec("country", "Country", "Land", "Country code", "Landcode"),
        _spec(
            "birth_date", "Birth date", "Geboortedatum", "Date of birth", "Birthday", "DOB",
            "Geboren", "Verjaardag",
        ),
        _spec("gender", "Gender", "Geslacht", "Sex"),
        _spec("occupation", "Occupation", "Beroep", "Job", "Profession"),
        _spec("education", "Education", "Opleiding", "Opleidingsniveau"),
        _spec(
            "household_size", "Household size", "Huishoudgrootte", "Grootte huishouden",
            "Gezinsgrootte",
        ),
        _spec("children", "Children", "Kinderen", "Number of children", "Aantal kinderen"),
        _spec("income_band", "Income band", "Inkomensklasse", "Income", "Inkomen"),
        _spec("interests", "Interests", "Interesses", "Interesse", "Hobby's"),
        _spec("sector", "Sector", "Branche", "Industry", "Branch"),
        _spec("company_size", "Company size", "Bedrijfsgrootte"),
        _spec(
            "acquisition_source", "Acquisition source", "Herkomst", "Lead source", "Source",
            "Bron", "Acquisitiebron",
        ),
        _spec(
            "acquisition_cost", "Acquisition cost", "Acquisitiekosten", "Wervingskosten",
        ),
        _NOTES,
        _spec(
            "consent_email_marketing", "Opt-in e-mail", "Opt-in e-mail", "Email opt-in",
            "E-mail opt-in", "Opt-in email", "Marketing e-mail", "Optin e-mail",
        ),
        _spec(
            "consent_email_newsletter", "Newsletter", "Nieuwsbrief", "Opt-in newsletter",
            "Opt-in nieuwsbrief", "Newsletter opt-in",
        ),
        _spec(
            "consent_phone_marketing", "Opt-in phone", "Opt-in telefoon", "Phone opt-in",
            "Telefoon opt-in", "Bellen",
        ),
        _spec("consent_sms_marketing", "Opt-in SMS", "Opt-in sms", "SMS opt-in", "Opt-in WhatsApp"),
        _spec(
            "consent_post_marketing", "Opt-in post", "Opt-in post", "Post opt-in", "Direct mail",
        ),
    ),
    ORDERS: (
        _spec(
            "order_number", "Order number", "Ordernummer", "Order no", "Order nr", "Order ID",
            "Order", "Ordernr", "Bestelnummer", "Bestelnr", "Bestelling",
        ),
        _CUSTOMER_NUMBER,
        _spec(
            "customer_email", "Customer e-mail", "E-mailadres klant", "Customer email",
            "E-mail klant", *_EMAIL_ALIASES, "E-mailadres",
        ),
        _spec(
            "order_date", "Order date", "Orderdatum", "Date", "Datum", "Besteldatum",
            "Bestellingsdatum", "Purchase date", "Aankoopdatum",
        ),
        _spec("channel", "Channel", "Kanaal", "Sales channel", "Verkoopkanaal"),
        _spec("status", "Status", "Status", "Order status", "Orderstatus"),
        _spec(
            "sku", "SKU", "Artikelnummer", "Product code", "Article number", "Item code",
            "Artikelnr", "Art nr", "Productcode", "Productnummer",
        ),
        _spec(
            "product_name", "Product", "Product", "Product name", "Item", "Description",
            "Productnaam", "Artikel", "Omschrijving", "Artikelomschrijving",
        ),
        _spec(
            "category", "Category", "Categorie", "Product category", "Productcategorie",
            "Productgroep",
        ),
        _spec("quantity", "Quantity", "Aantal", "Qty", "Hoeveelheid", "Stuks"),
        _spec(
            "unit_price", "Unit price", "Stukprijs", "Price", "Prijs", "Eenheidsprijs",
            "Prijs per stuk", "Verkoopprijs",
        ),
        _spec("unit_cost", "Unit cost", "Kostprijs", "Cost price", "Inkoopprijs"),
        _spec(
            "amount", "Amount", "Bedrag", "Total", "Order total", "Totaal", "Totaalbedrag",
            "Orderbedrag", "Order amount",
        ),
        _NOTES,
    ),
    CONTACTS: (
        _spec(
            "external_id", "External ID", "Extern ID", "External id", "ID", "Contact ID",
            "Kenmerk", "Referentie", "Reference",
        ),
        _CUSTOMER_NUMBER,
        _spec(
            "customer_email", "Customer e-mail", "E-mailadres klant", "Customer email",
            "E-mail klant", *_EMAIL_ALIASES, "E-mailadres",
        ),
        _spec(
            "occurred_at", "Date", "Datum", "Date/time", "Datum/tijd", "When", "Occurred at",
            "Tijdstip", "Contactdatum", "Datum contact", "Moment",
        ),
        _spec("channel", "Channel", "Kanaal", "Medium"),
        _spec("direction", "Direction", "Richting", "Inbound/outbound", "In/uit"),
        _spec("touchpoint", "Touchpoint", "Contactpunt", "Department", "Afdeling"),
        _spec("office", "Office", "Front/back office", "Front- of backoffice", "Kantoor"),
        _spec("subject", "Subject", "Onderwerp", "Topic"),
        _spec("outcome", "Outcome", "Resultaat", "Result", "Uitkomst"),
        _spec(
            "friction", "What went wrong", "Wat ging er mis", "Friction", "Frictie",
            "Drop-off cause", "Knelpunt", "Probleem",
        ),
        _NOTES,
        _spec("order_number", "Order number", "Ordernummer", "Order", "Ordernr", "Bestelnummer"),
        _spec(
            "staff", "Staff member", "Medewerker", "Staff", "Employee", "User", "Behandelaar",
            "Gebruiker",
        ),
    ),
    REVIEWS: (
        _spec(
            "external_id", "External ID", "Extern ID", "Review ID", "ID", "Kenmerk",
            "Referentie", "Reference",
        ),
        _CUSTOMER_NUMBER,
        _spec(
            "customer_email", "Customer e-mail", "E-mailadres klant", "Customer email",
            "E-mail klant", *_EMAIL_ALIASES, "E-mailadres",
        ),
        _spec("kind", "Kind", "Soort", "Type", "Review or comment"),
        _spec(
            "sku", "SKU", "Artikelnummer", "Product SKU", "Product code", "Productcode",
            "Article number", "Artikelnr", "Art nr", "Productnummer", "Product",
        ),
        _spec(
            "rating", "Rating", "Waardering", "Stars", "Sterren", "Score", "Beoordeling",
            "Cijfer", "Rating (1-5)",
        ),
        _spec("title", "Title", "Titel", "Headline", "Kop", "Onderwerp", "Subject"),
        _spec(
            "text", "Text", "Tekst", "Review", "Review text", "Reviewtekst", "Comment", "Body",
            "Reactie", "Recensie", "Opmerking", "Content", "Inhoud", "Bericht",
        ),
        _spec(
            "written_on", "Date", "Datum", "Written on", "Geschreven op", "Review date",
            "Datum review", "Published", "Gepubliceerd", "Geplaatst", "Geplaatst op",
        ),
        _spec(
            "helpful_votes", "Helpful votes", "Nuttig", "Helpful", "Stemmen nuttig",
            "Nuttige stemmen", "Likes", "Upvotes", "Duim omhoog",
        ),
        _spec(
            "unhelpful_votes", "Not helpful votes", "Niet nuttig", "Not helpful", "Unhelpful",
            "Stemmen niet nuttig", "Downvotes", "Duim omlaag",
        ),
        _spec(
            "site", "Site", "Bron", "Where", "Waar", "Source", "Review site", "Website",
            "Platform", "Kanaal", "Channel",
        ),
        _spec("url", "URL", "Link", "Web address", "Webadres", "Review link", "Review URL"),
    ),
    SOCIAL: (
        _CUSTOMER_NUMBER,
        _spec(
            "customer_email", "Customer e-mail", "E-mailadres klant", "Customer email",
            "E-mail klant", *_EMAIL_ALIASES, "E-mailadres",
        ),
        _spec(
            "platform", "Platform", "Platform", "Network", "Netwerk", "Social network",
            "Sociaal netwerk", "Social media", "Kanaal", "Channel", "Medium",
        ),
        _spec(
            "handle", "Handle", "Account", "Username", "User name", "Gebruikersnaam",
            "Accountnaam", "Account name", "Profile", "Profiel",
        ),
        _spec(
            "followers", "Followers", "Volgers", "Number of followers", "Aantal volgers",
            "Fans", "Subscribers", "Abonnees", "Reach", "Bereik",
        ),
        _spec(
            "url", "URL", "Link", "Profile link", "Profiellink", "Profile URL", "Webadres",
            "Web address",
        ),
        _spec(
            "counted_on", "Counted on", "Geteld op", "Followers counted on",
            "Volgers geteld op", "Peildatum", "Date", "Datum", "As of",
        ),
    ),
}

# Columns a file must have. A tuple inside means "one of these".
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    CUSTOMERS: (),
    ORDERS: (("order_number",), ("customer_number", "customer_email"), ("order_date",),
             ("sku", "amount")),
    CONTACTS: (("customer_number", "customer_email"), ("occurred_at",), ("channel",),
               ("touchpoint",), ("subject",)),
    REVIEWS: (("customer_number", "customer_email"), ("rating", "title", "text")),
    SOCIAL: (("customer_number", "customer_email"), ("handle", "url")),
}


def field_spec(kind: str, name: str) -> FieldSpec:
    for spec in FIELDS[kind]:
        if spec.name == name:
            return spec
    raise KeyError(name)


def alias_table(kind: str) -> dict[str, str]:
    """Normalised header → field name. Earlier fields win a clash, and a field's own names
    win over another field's aliases."""
    table: dict[str, str] = {}
    for spec in FIELDS[kind]:
        for name in (spec.name, spec.english, spec.dutch):
            table.setdefault(normalise_word(name), spec.name)
    for spec in FIELDS[kind]:
        for alias in spec.aliases:
            table.setdefault(normalise_word(alias), spec.name)
    return table


@dataclass
class HeaderMapping:
    kind: str
    headers: list[str]
    # field name → column index
    columns: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def header_of(self, field_name: str) -> str:
        return self.headers[self.columns[field_name]]

    def has(self, *names: str) -> bool:
        return any(name in self.columns for name in names)

    def recognised(self) -> list[tuple[str, str]]:
        """(column header, field label) pairs in file order, for the preview."""
        by_index = {index: name for name, index in self.columns.items()}
        return [
            (self.headers[index], field_spec(self.kind, by_index[index]).label)
            for index in sorted(by_index)
        ]


def parse_map_options(values: Iterable[str]) -> dict[str, str]:
    """'Column=field' strings → {column: field}. Raises ImportFileError on bad syntax."""
    overrides: dict[str, str] = {}
    for raw in values:
        for item in raw.splitlines():
            item = item.strip()
            if not item:
                continue
            column, sep, target = item.rpartition("=")
            if not sep or not column.strip() or not target.strip():
                raise ImportFileError(
                    _("“%(item)s” is not a column mapping; write it as Column=field.")
                    % {"item": item}
                )
            overrides[column.strip()] = target.strip()
    return overrides


def map_headers(kind: str, headers: Sequence[str], overrides: dict[str, str]) -> HeaderMapping:
    aliases = alias_table(kind)
    field_names = {spec.name for spec in FIELDS[kind]}
    normalised_overrides = {normalise_word(k): v for k, v in overrides.items()}
    header_words = {normalise_word(h) for h in headers}
    for column, target in overrides.items():
        if normalise_word(column) not in header_words:
            raise ImportFileError(
                _("--map names the column “%(column)s”, but the file has no such column.")
                % {"column": column}
            )
        if target not in field_names and target not in ("-", "ignore"):
            target_field = aliases.get(normalise_word(target))
            if target_field is None:
                raise ImportFileError(
                    _("--map: “%(field)s” is not a field of %(kind)s; fields are: %(fields)s.")
                    % {"field": target, "kind": KIND_NAMES[kind],
                       "fields": ", ".join(sorted(field_names))}
                )
            normalised_overrides[normalise_word(column)] = target_field
    mapping = HeaderMapping(kind=kind, headers=list(headers))
    for index, header in enumerate(headers):
        word = normalise_word(header)
        chosen: str | None = (
            normalised_overrides[word] if word in normalised_overrides else aliases.get(word)
        )
        if chosen is None or chosen in ("-", "ignore") or not word:
            mapping.unknown.append(header or _("(column %(number)d)") % {"number": index + 1})
            continue
        target = chosen
        if target in mapping.columns:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both hold %(field)s; "
                  "remove one or map one elsewhere with --map.")
                % {
                    "first": headers[mapping.columns[target]],
                    "second": header,
                    "field": field_spec(kind, target).label,
                }
            )
        mapping.columns[target] = index
    for group in REQUIRED[kind]:
        if not mapping.has(*group):
            names = get_text_list([f"“{field_spec(kind, name).label}”" for name in group])
            raise ImportFileError(
                _("The file has no %(names)s column. Columns found: %(found)s. "
                  "Rename the column or use --map \"Column=field\".")
                % {"names": names, "found": ", ".join(f"“{h}”" for h in headers) or "-"}
            )
    return mapping
