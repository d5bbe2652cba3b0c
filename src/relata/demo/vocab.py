"""Word lists for the demo data: Dutch names and places, a product catalogue, subjects.

Plain data, no logic. Every string is free of tabs, backslashes and line breaks, so it can
go into a PostgreSQL COPY stream without escaping (the writer checks this).
"""

from __future__ import annotations

FEMALE_FIRST_NAMES = (
    "Emma", "Julia", "Sophie", "Lotte", "Anna", "Eva", "Sanne", "Lisa", "Fleur", "Iris",
    "Lieke", "Anouk", "Femke", "Noa", "Tess", "Sara", "Maud", "Roos", "Esmee", "Isa", "Mila",
    "Zoë", "Nina", "Evi", "Fenna", "Linda", "Marieke", "Monique", "Petra", "Ingrid",
    "Annemarie", "Wilma", "Els", "Ria", "Karin", "Sandra", "Manon", "Saskia", "Yvonne",
    "Mirjam", "Astrid", "Hanneke", "Ellen", "Judith", "Carla", "Anja", "Marloes", "Kim",
    "Daphne", "Charlotte", "Fatima", "Yasmina", "Naima", "Priya", "Daniëlle", "Renée",
)
MALE_FIRST_NAMES = (
    "Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Jesse", "Thijs", "Lars", "Bram",
    "Ruben", "Tim", "Thomas", "Sven", "Niels", "Jeroen", "Bas", "Martijn", "Rik", "Stefan",
    "Mark", "Dennis", "Erik", "Peter", "Jan", "Henk", "Kees", "Piet", "Willem", "Gerrit",
    "Hans", "Wim", "Johan", "Frank", "Marcel", "Rob", "Paul", "Joost", "Sander", "Wouter",
    "Arjen", "Maarten", "Koen", "Hugo", "Luuk", "Jasper", "Mohammed", "Ahmed", "Youssef",
    "Mehmet", "Emre", "Joël", "André",
)
# (prefix, last name); common Dutch surnames, the prefix kept apart as in the customer model.
LAST_NAMES = (
    ("de", "Jong"), ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"),
    ("", "Bakker"), ("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"),
    ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"),
    ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"),
    ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"),
    ("van der", "Linden"), ("", "Kok"), ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen"),
    ("van den", "Heuvel"), ("van der", "Veen"), ("van den", "Broek"), ("de", "Bruijn"),
    ("de", "Bruin"), ("van der", "Heijden"), ("", "Schouten"), ("van", "Beek"),
    ("", "Willems"), ("van", "Vliet"), ("van de", "Ven"), ("", "Hoekstra"), ("", "Maas"),
    ("", "Verhoeven"), ("", "Koster"), ("van", "Dam"), ("van der", "Wal"), ("", "Prins"),
    ("", "Blom"), ("", "Huisman"), ("", "Peeters"), ("de", "Jonge"), ("", "Kuipers"),
    ("van", "Veen"), ("", "Post"), ("", "Kuiper"), ("", "Veenstra"), ("", "Kramer"),
    ("van den", "Brink"), ("", "Scholten"), ("van", "Wijk"), ("", "Postma"), ("", "Martens"),
    ("", "Vink"), ("de", "Ruiter"), ("", "Timmermans"), ("", "Groen"), ("", "Gerritsen"),
    ("", "Jonker"), ("van", "Loon"), ("", "Boersma"), ("van", "Rijn"), ("", "Yilmaz"),
    ("", "El Amrani"), ("", "Bouali"), ("", "Nguyen"), ("", "Kaya"), ("", "Claassen"),
    ("", "Wouters"), ("", "Schipper"), ("ter", "Horst"), ("", "Evers"), ("", "Bosch"),
    ("", "Hermans"), ("van", "Doorn"), ("", "Lammers"), ("", "Sanders"), ("", "Molenaar"),
    ("", "Koning"), ("van 't", "Hof"), ("", "Zwart"), ("", "Hoogendoorn"), ("op de", "Beek"),
)
# (city, first and last four-digit postcode, telephone area code, relative population)
CITIES = (
    ("Amsterdam", 1011, 1109, "020", 92), ("Rotterdam", 3011, 3089, "010", 66),
    ("Den Haag", 2491, 2599, "070", 56), ("Utrecht", 3511, 3585, "030", 37),
    ("Eindhoven", 5611, 5658, "040", 24), ("Groningen", 9711, 9747, "050", 24),
    ("Tilburg", 5011, 5049, "013", 23), ("Almere", 1311, 1366, "036", 22),
    ("Breda", 4811, 4839, "076", 19), ("Nijmegen", 6511, 6546, "024", 18),
    ("Apeldoorn", 7311, 7339, "055", 17), ("Haarlem", 2011, 2037, "023", 16),
    ("Arnhem", 6811, 6846, "026", 16), ("Enschede", 7511, 7548, "053", 16),
    ("Amersfoort", 3811, 3829, "033", 16), ("Zaandam", 1501, 1509, "075", 16),
    ("'s-Hertogenbosch", 5211, 5249, "073", 16), ("Zwolle", 8011, 8043, "038", 13),
    ("Leiden", 2311, 2334, "071", 13), ("Maastricht", 6211, 6229, "043", 12),
    ("Dordrecht", 3311, 3329, "078", 12), ("Zoetermeer", 2711, 2729, "079", 12),
    ("Deventer", 7411, 7429, "0570", 10), ("Delft", 2611, 2629, "015", 10),
    ("Alkmaar", 1811, 1827, "072", 11), ("Leeuwarden", 8911, 8939, "058", 12),
    ("Venlo", 5911, 5929, "077", 10), ("Hilversum", 1211, 1223, "035", 9),
    ("Heerlen", 6411, 6422, "045", 9), ("Gouda", 2801, 2809, "0182", 7),
    ("Hoorn", 1621, 1628, "0229", 7), ("Middelburg", 4331, 4339, "0118", 5),
    ("Assen", 9401, 9409, "0592", 7), ("Lelystad", 8211, 8245, "0320", 8),
    ("Emmen", 7811, 7833, "0591", 11), ("Roosendaal", 4701, 4709, "0165", 8),
    ("Helmond", 5701, 5709, "0492", 9), ("Oss", 5341, 5349, "0412", 9),
    ("Ede", 6711, 6718, "0318", 12), ("Veenendaal", 3901, 3909, "0318", 7),
    ("Zeist", 3701, 3709, "030", 6), ("Purmerend", 1441, 1448, "0299", 8),
    ("Schiedam", 3111, 3125, "010", 8), ("Amstelveen", 1181, 1189, "020", 9),
    ("Hoofddorp", 2131, 2136, "023", 8), ("Sneek", 8601, 8609, "0515", 3),
    ("Goes", 4461, 4465, "0113", 4), ("Harderwijk", 3841, 3849, "0341", 5),
)
STREETS = (
    "Kerkstraat", "Dorpsstraat", "Schoolstraat", "Molenweg", "Stationsweg", "Hoofdstraat",
    "Julianastraat", "Wilhelminastraat", "Beatrixstraat", "Nieuwstraat", "Markt",
    "Kastanjelaan", "Eikenlaan", "Beukenlaan", "Lindelaan", "Berkenlaan", "Parallelweg",
    "Industrieweg", "Sportlaan", "Burgemeester de Withstraat", "Prinses Irenestraat",
    "Oranjestraat", "Emmastraat", "Marktstraat", "Veldweg", "Kanaalweg", "Havenstraat",
    "Raadhuisplein", "Rembrandtlaan", "Vondelstraat", "Van Goghstraat", "Mozartlaan",
    "Tulpstraat", "Rozenstraat", "Lelystraat", "Zonnebloemstraat", "Merelstraat",
    "Lijsterstraat", "Spoorstraat", "Torenstraat", "Hoogstraat", "Langestraat", "Achterweg",
    "Zandweg", "Dijkstraat", "Schoolweg", "Prins Bernhardlaan", "Jan Steenstraat",
    "Frans Halsstraat", "Vermeerstraat", "Johan de Wittlaan", "Van 't Hoffstraat",
)
HOUSE_NUMBER_SUFFIXES = ("", "", "", "", "", "", "", "", "A", "B", "-1", "-2", " bis")
# Postcode letters: F, I, O, Q, U and Y are not used in Dutch postcodes.
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
# (domain, weight)
EMAIL_DOMAINS = (
    ("gmail.com", 35), ("hotmail.com", 15), ("outlook.com", 10), ("ziggo.nl", 8),
    ("kpnmail.nl", 7), ("live.nl", 5), ("hotmail.nl", 5), ("icloud.com", 5), ("xs4all.nl", 3),
    ("planet.nl", 3), ("home.nl", 2), ("yahoo.com", 2),
)
ORGANISATION_WORDS = (
    "Noorderlicht", "Zuidwind", "Polderland", "Dijkzicht", "Hollandse", "Delta", "Horizon",
    "Lindeboom", "Molenhoek", "Zeeland", "Veluwe", "Kempen", "Brabantse", "Friese",
    "Groene Hart", "Waterland", "Rivierenland", "Duinzicht", "Eemland", "Twentse",
    "Gelderse", "Limburgse", "Randstad", "Oranje", "Tulip", "Windmill", "Northstar",
    "Blue Harbour", "Clever", "Prima", "Solide", "Vakwerk", "Stadshart", "Kroon", "Zilver",
)
ORGANISATION_TRADES = (
    "Bouw", "Installatietechniek", "Advies", "Logistiek", "Transport", "Schoonmaak",
    "Catering", "ICT", "Accountants", "Makelaardij", "Zorg", "Kinderopvang", "Tandartsen",
    "Fysiotherapie", "Architecten", "Interieur", "Hoveniers", "Drukkerij", "Metaal",
    "Elektro", "Autoservice", "Bakkerij", "Horeca", "Vastgoed", "Consultancy", "Media",
    "Software", "Kantoorinrichting", "Groothandel", "Techniek",
)
# Sector label for each trade above (same order).
TRADE_SECTORS = (
    "Construction", "Construction", "Business services", "Logistics", "Logistics",
    "Facility services", "Hospitality", "IT services", "Business services", "Real estate",
    "Healthcare", "Education", "Healthcare", "Healthcare", "Business services", "Retail",
    "Agriculture", "Manufacturing", "Manufacturing", "Manufacturing", "Retail", "Retail",
    "Hospitality", "Real estate", "Business services", "Media", "IT services", "Retail",
    "Wholesale", "Manufacturing",
)
ORGANISATION_FORMS = (" B.V.", " B.V.", " B.V.", " B.V.", " V.O.F.", " & Zn. B.V.", " Groep B.V.")
ORGANISATION_MAILBOXES = ("info", "info", "info", "inkoop", "administratie", "office", "sales")

OCCUPATIONS = (
    "Teacher", "Nurse", "Engineer", "Accountant", "Sales manager", "Software developer",
    "Shop owner", "Civil servant", "Student", "Retired", "Consultant", "Physician",
    "Carpenter", "Electrician", "Designer", "Marketing manager", "Chef", "Driver",
    "Police officer", "Lawyer", "Farmer", "Entrepreneur",
)
EDUCATION_LEVELS = ("VMBO", "MBO", "HAVO", "VWO", "HBO", "WO")
INTERESTS = (
    "cooking", "gardening", "cycling", "travel", "reading", "sports", "music", "technology",
    "interior design", "wine", "photography", "fitness", "fashion", "DIY", "coffee", "hiking",
)
ACQUISITION_SOURCES = (
    ("web", 34), ("store", 20), ("referral", 12), ("campaign", 12), ("trade fair", 5),
    ("partner", 5), ("social media", 8), ("telemarketing", 4),
)
# (role, weight among non-primary contacts, job titles)
DMU_JOB_TITLES = {
    "decision_maker": ("Managing director", "Owner", "CEO", "Director", "General manager"),
    "influencer": ("IT manager", "Facility manager", "Office manager", "Controller", "Advisor"),
    "buyer": ("Purchasing manager", "Buyer", "Procurement officer"),
    "user": ("Office assistant", "Team lead", "Employee", "Receptionist", "Planner"),
}

# Product catalogue: (category, consumable, one-off, code, price range in euros,
# [base product names]); each base product comes in three tiers (see PRODUCT_TIERS).
CATEGORIES = (
    ("Coffee and tea", True, False, "COF", (4, 24), (
        "Espresso beans 1 kg", "Filter coffee 500 g", "Coffee capsules 50", "Green tea 100 bags",
        "Herbal tea selection",
    ), 22),
    ("Cleaning supplies", True, False, "CLN", (3, 20), (
        "All-purpose cleaner", "Dishwasher tablets 60", "Laundry detergent 3 l", "Microfibre cloths",
        "Descaler",
    ), 18),
    ("Office supplies", True, False, "OFF", (2, 40), (
        "Ballpoint pens 10", "Notebook A4", "Sticky notes 12", "Folders 25", "Stapler",
    ), 14),
    ("Printer ink and paper", True, False, "INK", (6, 70), (
        "Copy paper A4 2500", "Ink cartridge black", "Ink cartridge colour", "Toner black",
        "Photo paper 50",
    ), 12),
    ("Kitchen appliances", False, True, "KIT", (35, 450), (
        "Espresso machine", "Blender", "Kettle", "Toaster", "Air fryer",
    ), 8),
    ("Home appliances", False, True, "APP", (220, 1100), (
        "Washing machine", "Dryer", "Dishwasher", "Fridge-freezer", "Vacuum cleaner",
    ), 4),
    ("Furniture", False, True, "FUR", (120, 1500), (
        "Sofa", "Dining table", "Office chair", "Desk", "Bookcase",
    ), 4),
    ("Garden", False, False, "GAR", (8, 300), (
        "Garden hose 25 m", "Pruning shears", "Lawn fertiliser", "Garden lights", "Parasol",
    ), 7),
    ("Lighting", False, False, "LGT", (12, 220), (
        "LED bulb E27 4-pack", "Desk lamp", "Floor lamp", "Pendant light", "Smart bulb kit",
    ), 6),
    ("Service and maintenance", True, False, "SRV", (45, 260), (
        "Appliance service visit", "Coffee machine maintenance", "Extended warranty 1 year",
        "Installation service", "Cleaning service",
    ), 5),
)
PRODUCT_TIERS = (("Basic", 1.0), ("Comfort", 1.6), ("Premium", 2.5))

# Subjects per touchpoint: (English, Dutch).
SUBJECTS = {
    "sales": (
        ("Question about product range", "Vraag over assortiment"),
        ("Quote request", "Offerteaanvraag"),
        ("Follow-up on quote", "Opvolging offerte"),
        ("Introduction meeting", "Kennismakingsgesprek"),
        ("Order placed", "Bestelling geplaatst"),
        ("Volume discount", "Staffelkorting"),
    ),
    "marketing": (
        ("Newsletter", "Nieuwsbrief"),
        ("Spring promotion", "Voorjaarsactie"),
        ("Invitation to customer evening", "Uitnodiging klantenavond"),
        ("Loyalty programme", "Spaarprogramma"),
        ("Customer survey", "Klanttevredenheidsonderzoek"),
    ),
    "service": (
        ("Product question", "Productvraag"),
        ("How to use", "Gebruiksvraag"),
        ("Change of address", "Adreswijziging"),
        ("Password reset", "Wachtwoord vergeten"),
        ("Warranty question", "Garantievraag"),
    ),
    "after_sales": (
        ("Installation check", "Controle installatie"),
        ("Satisfaction call", "Tevredenheidsgesprek"),
        ("Defect reported", "Defect gemeld"),
        ("Return request", "Retourverzoek"),
    ),
    "billing": (
        ("Invoice question", "Vraag over factuur"),
        ("Payment reminder", "Betalingsherinnering"),
        ("Credit note", "Creditnota"),
        ("Change of payment details", "Wijziging betaalgegevens"),
    ),
    "delivery": (
        ("Delivery date", "Leverdatum"),
        ("Parcel not received", "Pakket niet ontvangen"),
        ("Damaged on delivery", "Beschadigd geleverd"),
        ("Change delivery address", "Afleveradres wijzigen"),
    ),
}
CONSENT_SOURCES = ("web form", "store", "phone", "newsletter sign-up", "customer portal")
