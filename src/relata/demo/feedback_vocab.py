"""Word lists for the demo's voice of the customer: survey comments, review texts and social
handles, each as (English, Dutch). Plain data, no logic; no tabs, backslashes or line breaks
(the writer may COPY them as they are)."""

from __future__ import annotations

Pair = tuple[str, str]

# Relationship NPS comments, by answer group.
NPS_DETRACTOR: tuple[Pair, ...] = (
    ("Delivery took far too long.", "De levering duurde veel te lang."),
    ("Hard to reach when something goes wrong.", "Slecht bereikbaar als er iets misgaat."),
    ("Prices went up, quality went down.", "De prijzen gingen omhoog, de kwaliteit omlaag."),
    ("I had to explain my problem three times.", "Ik moest mijn probleem drie keer uitleggen."),
    ("My question was never answered.", "Mijn vraag is nooit beantwoord."),
    ("The product broke within a month.", "Het product was binnen een maand kapot."),
    ("The invoice was wrong again.", "De factuur klopte weer niet."),
)
NPS_PASSIVE: tuple[Pair, ...] = (
    ("Fine, but nothing special.", "Prima, maar niets bijzonders."),
    ("Good products, delivery could be faster.", "Goede producten, de levering kan sneller."),
    ("Reasonable value for money.", "Redelijke prijs-kwaliteitverhouding."),
    ("The website could be clearer.", "De website kan duidelijker."),
    ("Mostly satisfied, sometimes long waiting times.", "Meestal tevreden, soms lang wachten."),
)
NPS_PROMOTER: tuple[Pair, ...] = (
    ("Always helpful and friendly staff.", "Altijd behulpzaam en vriendelijk personeel."),
    ("Great quality, fast delivery.", "Goede kwaliteit, snelle levering."),
    ("They really know their products.", "Ze weten echt alles van hun producten."),
    ("Problem solved in one call.", "Probleem in één telefoontje opgelost."),
    ("I recommend them to everyone.", "Ik raad ze iedereen aan."),
    ("Personal service you rarely find nowadays.", "Persoonlijke service die je zelden ziet."),
)
# Service CSAT comments, by answer group (1–2, 3, 4–5).
CSAT_LOW: tuple[Pair, ...] = (
    ("Nobody could help me.", "Niemand kon mij helpen."),
    ("Still no solution.", "Nog steeds geen oplossing."),
    ("The answer did not match my question.", "Het antwoord paste niet bij mijn vraag."),
    ("I was sent from pillar to post.", "Ik werd van het kastje naar de muur gestuurd."),
)
CSAT_MIDDLE: tuple[Pair, ...] = (
    ("Helped, but it took a while.", "Geholpen, maar het duurde even."),
    ("The answer was a bit vague.", "Het antwoord was wat vaag."),
    ("Okay.", "Oké."),
)
CSAT_HIGH: tuple[Pair, ...] = (
    ("Quick and clear answer.", "Snel en duidelijk antwoord."),
    ("Very friendly help.", "Heel vriendelijk geholpen."),
    ("Solved right away, thanks!", "Meteen opgelost, bedankt!"),
    ("Knew exactly what I meant.", "Wist precies wat ik bedoelde."),
)
# What an unhappy answer says when the contact went wrong, per friction (order of
# relata.demo.activity.FRICTIONS).
FRICTION_COMMENTS: tuple[Pair, ...] = (
    ("The information was unclear.", "De informatie was onduidelijk."),
    ("Could not get through for ages.", "Ik kwam er lange tijd niet door."),
    ("Nobody replied to my message.", "Niemand reageerde op mijn bericht."),
    ("Had to tell my story all over again.", "Ik moest mijn verhaal opnieuw vertellen."),
    ("Waited far too long.", "Veel te lang moeten wachten."),
)
DETRACTOR_TASK: Pair = ("Follow up detractor", "Detractor opvolgen")

# Review titles and texts per rating, 1 to 5.
REVIEW_TITLES: tuple[tuple[Pair, ...], ...] = (
    (("Do not buy", "Niet kopen"), ("Very poor", "Erg slecht")),
    (("Disappointing", "Teleurstellend"), ("Not what I expected", "Niet wat ik verwachtte")),
    (("Average", "Gemiddeld"), ("It is okay", "Het is oké")),
    (("Good product", "Goed product"), ("Satisfied", "Tevreden"), ("Nice", "Mooi")),
    (
        ("Excellent!", "Uitstekend!"),
        ("Very happy with it", "Heel blij mee"),
        ("Highly recommended", "Echt een aanrader"),
        ("Top quality", "Topkwaliteit"),
    ),
)
REVIEW_TEXTS: tuple[tuple[Pair, ...], ...] = (
    (
        (
            "Broken on arrival and customer service did not respond.",
            "Kapot aangekomen en de klantenservice reageerde niet.",
        ),
        ("Poor quality, sent it back.", "Slechte kwaliteit, teruggestuurd."),
    ),
    (
        (
            "Stopped working properly after a few weeks.",
            "Werkte na een paar weken niet meer goed.",
        ),
        ("Looks cheaper than in the pictures.", "Ziet er goedkoper uit dan op de foto's."),
    ),
    (
        ("Does the job, nothing more.", "Doet wat het moet doen, niet meer."),
        ("Quality is fine but the price is high.", "Kwaliteit is prima maar de prijs is hoog."),
    ),
    (
        ("Works well, the manual could be clearer.", "Werkt goed, de handleiding kan duidelijker."),
        ("Good value for money.", "Goede prijs-kwaliteitverhouding."),
        ("Fine product, the box was a bit damaged.", "Prima product, de doos was wat beschadigd."),
    ),
    (
        ("Does exactly what it promises. Would buy again.", "Doet wat het belooft. Zo weer kopen."),
        (
            "Sturdy, well finished and delivered quickly.",
            "Stevig, netjes afgewerkt, snel geleverd.",
        ),
        ("I use it every day; worth every euro.", "Gebruik het elke dag, elke euro waard."),
        ("Better than I expected.", "Beter dan ik had verwacht."),
    ),
)
# Comments without a rating (questions and remarks under a product).
COMMENTS: tuple[Pair, ...] = (
    ("Is this also available in black?", "Is dit ook in het zwart verkrijgbaar?"),
    ("Fast delivery, neatly packed.", "Snelle levering, netjes verpakt."),
    (
        "Does anyone know if it fits the older model?",
        "Weet iemand of dit op het oudere model past?",
    ),
    (
        "Bought it as a present, curious what they think.",
        "Als cadeau gekocht, benieuwd wat ze vinden.",
    ),
    ("Any tips for cleaning it?", "Iemand tips om het schoon te maken?"),
)
VLOGGER_COMMENTS: tuple[Pair, ...] = (
    ("Unboxing and first test on my channel!", "Unboxing en eerste test op mijn kanaal!"),
    (
        "Used it for a month, full review in my latest video.",
        "Maand getest, hele review in mijn video.",
    ),
    ("My followers keep asking about this one.", "Mijn volgers vragen er steeds naar."),
)
# Review sites with their share of reviews.
SITES = (("Webshop", 0.6), ("Google", 0.25), ("Trustpilot", 0.15))
# Handle endings of vloggers: the first name plus what they make videos about.
VLOGGER_HANDLES = (
    "kookt",
    "thuis",
    "test",
    "vlogt",
    ".lifestyle",
    "_reviews",
    ".tech",
    "home",
    "outdoor",
    "maakt",
    "klust",
    ".family",
)
