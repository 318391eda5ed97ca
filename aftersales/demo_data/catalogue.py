"""The demo store's fixed facts: markets, the product catalogue, places, names and carriers.

Plain data, no database: ``seed.py`` turns it into rows and ``tests/perf/generate.py`` reuses it for the
benchmark load. Addresses, phone numbers and emails are fictional (``example.com`` domains, the UK's
drama range 07700 900xxx, the US 555 numbers, Australia's 0491 570 range).
"""

from __future__ import annotations

from dataclasses import dataclass

from aftersales.choices import LegalProfile, ProductCategory

# code: (name, countries, currency, languages, legal profile, time zone, share of orders)
MARKETS = {
    "US": ("United States", ["US"], "USD", ["en", "es"], LegalProfile.US, "America/New_York", 0.38),
    "UK": ("United Kingdom", ["GB"], "GBP", ["en"], LegalProfile.UK, "Europe/London", 0.14),
    "DE": ("Germany", ["DE", "AT"], "EUR", ["de", "en"], LegalProfile.EU, "Europe/Berlin", 0.16),
    "FR": ("France", ["FR", "BE"], "EUR", ["fr", "en"], LegalProfile.EU, "Europe/Paris", 0.11),
    "ES": ("Spain", ["ES"], "EUR", ["es", "en"], LegalProfile.EU, "Europe/Madrid", 0.07),
    "AU": ("Australia", ["AU"], "AUD", ["en"], LegalProfile.AU, "Australia/Sydney", 0.14),
}

# Units of USD for one unit of the currency, around which the daily rates wander.
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.085, "GBP": 1.27, "AUD": 0.655}
# Local price = USD list price × factor, rounded to ….99 (EUR keeps the same figure, VAT included).
PRICE_FACTOR = {"USD": 1.0, "EUR": 1.0, "GBP": 0.86, "AUD": 1.55}
# Flat shipping below the free-shipping threshold (minor units).
SHIPPING = {"USD": (499, 4900), "EUR": (499, 4900), "GBP": (399, 3900), "AUD": (795, 7900)}
# VAT/GST included in prices, by market; the US prices are without sales tax.
VAT_RATE = {"US": 0.0, "UK": 0.20, "DE": 0.19, "FR": 0.20, "ES": 0.21, "AU": 0.10}

LAMP_SKU = "LAMP-01"
APPAREL_SIZES = (["XS", "S", "M", "L", "XL", "XXL"], [4, 16, 30, 27, 16, 7])
SHOE_SIZES = (["38", "39", "40", "41", "42", "43", "44", "45"], [6, 10, 14, 17, 18, 15, 12, 8])


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    category: str
    price_usd_minor: int
    cost_usd_minor: int
    weight_grams: int
    popularity: int
    sizes: tuple | None = None
    final_sale: bool = False


_A, _E, _H, _O = ProductCategory.APPAREL, ProductCategory.ELECTRONICS, ProductCategory.HOME, ProductCategory.OUTDOOR
CATALOGUE = [
    Item("TEE-01", "Organic cotton T-shirt", _A, 1999, 420, 180, 14, APPAREL_SIZES),
    Item("TEE-02", "Oversized graphic tee", _A, 2499, 510, 210, 9, APPAREL_SIZES),
    Item("HOOD-01", "Fleece hoodie", _A, 4499, 1150, 520, 8, APPAREL_SIZES),
    Item("JKT-01", "Packable rain jacket", _A, 5999, 1480, 340, 6, APPAREL_SIZES),
    Item("JKT-02", "Quilted puffer jacket", _A, 7999, 2100, 690, 5, APPAREL_SIZES),
    Item("DRS-01", "Linen summer dress", _A, 3999, 960, 260, 6, APPAREL_SIZES),
    Item("JEAN-01", "Slim stretch jeans", _A, 4299, 1020, 560, 7, APPAREL_SIZES),
    Item("LEG-01", "High-waist yoga leggings", _A, 2799, 560, 230, 10, APPAREL_SIZES),
    Item("SWT-01", "Merino crew sweater", _A, 5499, 1620, 380, 4, APPAREL_SIZES),
    Item("SHRT-01", "Running shorts", _A, 2199, 430, 150, 7, APPAREL_SIZES),
    Item("SNK-01", "Knit running sneakers", _A, 6499, 1750, 640, 6, SHOE_SIZES),
    Item("SWM-01", "Recycled swimsuit", _A, 3499, 700, 160, 4, APPAREL_SIZES, final_sale=True),
    Item("EAR-01", "Wireless earbuds", _E, 3999, 1100, 90, 12),
    Item("CHG-01", "65 W GaN charger", _E, 2999, 820, 130, 9),
    Item("PWR-01", "10,000 mAh power bank", _E, 2499, 760, 220, 8),
    Item("CAB-01", "Braided USB-C cable (2 m)", _E, 999, 140, 60, 15),
    Item("SPK-01", "Portable Bluetooth speaker", _E, 4999, 1450, 480, 6),
    Item("WCH-01", "Fitness smartwatch", _E, 6999, 2050, 70, 6),
    Item("KBD-01", "Mechanical keyboard", _E, 7499, 2300, 910, 3),
    Item("MSE-01", "Silent wireless mouse", _E, 1999, 450, 95, 8),
    Item("CAM-01", "1080p webcam", _E, 3499, 980, 160, 4),
    Item("RNG-01", "LED ring light", _E, 2799, 690, 650, 5),
    Item(LAMP_SKU, "Nordic LED table lamp", _H, 5499, 1380, 1450, 0),  # sold on its own, see seed.py
    Item("MUG-01", "Ceramic mug set (4)", _H, 2499, 610, 1600, 6),
    Item("BLK-01", "Waffle-knit throw blanket", _H, 3999, 980, 900, 6),
    Item("PIL-01", "Linen cushion covers (2)", _H, 1999, 380, 300, 7),
    Item("DIF-01", "Ultrasonic aroma diffuser", _H, 2999, 740, 420, 7),
    Item("ORG-01", "Bamboo drawer organiser", _H, 2299, 520, 750, 5),
    Item("TWL-01", "Turkish cotton towel set", _H, 3499, 900, 1100, 5),
    Item("CLK-01", "Minimalist wall clock", _H, 2799, 640, 700, 4),
    Item("KNF-01", "Chef's knife", _H, 4499, 1200, 330, 4),
    Item("PLN-01", "Self-watering planter", _H, 1899, 410, 540, 5),
    Item("TNT-01", "Two-person backpacking tent", _O, 11999, 3900, 1900, 3),
    Item("BAG-01", "20 L daypack", _O, 3999, 1050, 620, 6),
    Item("BTL-01", "Insulated water bottle", _O, 2299, 540, 380, 10),
    Item("HMK-01", "Camping hammock", _O, 2999, 700, 600, 4),
    Item("LNT-01", "Rechargeable camping lantern", _O, 2499, 620, 310, 5),
    Item("CHR-01", "Folding camp chair", _O, 3499, 930, 1800, 4),
    Item("PAD-01", "Self-inflating sleeping pad", _O, 4999, 1400, 1100, 3),
    Item("POL-01", "Carbon trekking poles", _O, 5499, 1500, 420, 3),
]

# city, postcode, latitude, longitude
CITIES = {
    "US": [("New York", "10001", 40.7128, -74.0060), ("Los Angeles", "90012", 34.0522, -118.2437),
           ("Chicago", "60601", 41.8781, -87.6298), ("Houston", "77002", 29.7604, -95.3698),
           ("Seattle", "98101", 47.6062, -122.3321), ("Miami", "33130", 25.7617, -80.1918),
           ("Denver", "80202", 39.7392, -104.9903), ("Boston", "02108", 42.3601, -71.0589)],
    "UK": [("London", "EC1A 1BB", 51.5072, -0.1276), ("Manchester", "M1 1AE", 53.4808, -2.2426),
           ("Birmingham", "B1 1AA", 52.4862, -1.8904), ("Leeds", "LS1 4DY", 53.8008, -1.5491),
           ("Glasgow", "G1 1XQ", 55.8642, -4.2518), ("Bristol", "BS1 4DJ", 51.4545, -2.5879)],
    "DE": [("Berlin", "10115", 52.5200, 13.4050), ("Hamburg", "20095", 53.5511, 9.9937),
           ("München", "80331", 48.1351, 11.5820), ("Köln", "50667", 50.9375, 6.9603),
           ("Frankfurt am Main", "60311", 50.1109, 8.6821)],
    "FR": [("Paris", "75001", 48.8566, 2.3522), ("Lyon", "69001", 45.7640, 4.8357),
           ("Marseille", "13001", 43.2965, 5.3698), ("Toulouse", "31000", 43.6047, 1.4442),
           ("Bordeaux", "33000", 44.8378, -0.5792)],
    "ES": [("Madrid", "28013", 40.4168, -3.7038), ("Barcelona", "08001", 41.3874, 2.1686),
           ("Valencia", "46002", 39.4699, -0.3763), ("Sevilla", "41001", 37.3891, -5.9845)],
    "AU": [("Sydney", "2000", -33.8688, 151.2093), ("Melbourne", "3000", -37.8136, 144.9631),
           ("Brisbane", "4000", -27.4698, 153.0251), ("Perth", "6000", -31.9523, 115.8613),
           ("Adelaide", "5000", -34.9285, 138.6007)],
}
STREETS = {
    "en": ["Maple Street", "Oak Avenue", "High Street", "Station Road", "Church Lane", "Park Road",
           "Victoria Street", "Elm Drive", "Queen Street", "Mill Lane"],
    "de": ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße", "Goethestraße"],
    "fr": ["rue de la République", "avenue Victor Hugo", "rue des Lilas", "boulevard Voltaire", "rue Pasteur"],
    "es": ["Calle Mayor", "Avenida de la Constitución", "Calle del Sol", "Paseo de Gracia", "Calle Real"],
}
NAMES = {
    "en": (["Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Mia", "Lucas", "Chloe", "Jack", "Grace", "Ethan",
            "Isla", "Henry", "Ruby", "Leo", "Zoe", "Oscar", "Priya", "Wei"],
           ["Smith", "Johnson", "Williams", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Walker",
            "Robinson", "Clarke", "Nguyen", "Patel", "Martin", "Hughes", "Kelly", "Chen"]),
    "de": (["Lena", "Jonas", "Mia", "Leon", "Hannah", "Paul", "Emilia", "Finn", "Lea", "Felix", "Marie", "Lukas"],
           ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
            "Schulz", "Koch", "Richter"]),
    "fr": (["Louise", "Gabriel", "Jade", "Raphaël", "Emma", "Arthur", "Alice", "Louis", "Chloé", "Jules",
            "Inès", "Hugo"],
           ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
            "Laurent", "Lefèvre"]),
    "es": (["Lucía", "Hugo", "Sofía", "Martín", "María", "Pablo", "Paula", "Daniel", "Valeria", "Alejandro",
            "Carmen", "Javier"],
           ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
            "Martín", "Jiménez", "Ruiz"]),
}
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]
# Fictional phone ranges: prefix (digits, with country code), digits to add.
PHONE_PREFIXES = {"US": ("1202555", 4), "UK": ("447700900", 3), "AU": ("61491570", 3), "DE": ("4915550", 5),
                  "FR": ("33639980", 4), "ES": ("3460000", 5)}

# Carriers: (name, service, tracking number pattern). Pattern letters: D digit, A letter, X either.
CHINA_CARRIERS = [("YunExpress", "Global Direct Line", "YTDDDDDDDDDDDDDDDD", 0.45),
                  ("4PX", "Singpost Registered", "4PXDDDDDDDDDDDDDDDD", 0.2),
                  ("Cainiao", "AliExpress Standard", "LPDDDDDDDDDDDDDD", 0.2),
                  ("China Post", "ePacket", "LXDDDDDDDDDCN", 0.15)]
LOCAL_CARRIERS = {
    "US": [("USPS", "Ground Advantage", "9400DDDDDDDDDDDDDDDDDD", 0.7), ("UPS", "Ground", "1ZXXXXXXXXXXXXXXXX", 0.3)],
    "UK": [("Royal Mail", "Tracked 48", "AADDDDDDDDDGB", 0.6), ("Evri", "Standard", "DDDDDDDDDDDDDDDD", 0.4)],
    "DE": [("DHL", "Paket", "00340434DDDDDDDDDDDD", 0.8), ("Hermes", "Standard", "DDDDDDDDDDDDDD", 0.2)],
    "FR": [("Colissimo", "Domicile", "6ADDDDDDDDDDD", 0.7), ("Chronopost", "Relais", "XXDDDDDDDDDFR", 0.3)],
    "ES": [("Correos", "Paq Estándar", "PQAAADDDDDDDDDDDDDD", 0.7), ("SEUR", "24", "DDDDDDDDDDDDDD", 0.3)],
    "AU": [("Australia Post", "Parcel Post", "33AAADDDDDDDDDDDDDD", 0.8), ("Sendle", "Standard", "SAAAAAA", 0.2)],
}
WAREHOUSES = {"US": "Ontario, CA", "UK": "Coventry, GB", "DE": "Leipzig, DE", "FR": "Leipzig, DE",
              "ES": "Leipzig, DE", "AU": "Sydney, AU"}
POD_PLACES = ["Front door", "Mailbox", "Reception", "Porch", "Neighbour", "Parcel locker"]

REFUND_REASONS = {
    "return": ["Wrong size", "Not as described", "Changed my mind", "Quality not as expected",
               "Colour differs from the photos", "Arrived damaged", "Ordered by mistake"],
    "lamp": ["Flickers when dimmed", "Stopped working after a week", "Arrived with a cracked shade",
             "Plug adapter does not fit", "Touch dimmer does not respond"],
    "cancellation": ["Customer cancelled before shipping", "Ordered twice", "Found it cheaper elsewhere",
                     "Delivery time too long"],
    "not_received": ["Parcel lost in transit", "Returned to sender by the carrier",
                     "Marked delivered, customer says not received"],
    "goodwill": ["Late delivery", "Small defect, customer keeps the item", "Missing accessory",
                 "Apology for slow reply"],
}
