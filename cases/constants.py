"""Domain vocabularies shared by models, settings and forms (plain data, no ORM)."""

from django.utils.translation import gettext_lazy as _

# GB/T 13611 gas categories.
GAS_CATEGORIES = [
    ("10T", _("天然气 10T")),
    ("12T", _("天然气 12T")),
    ("19Y", _("液化石油气 19Y")),
    ("20Y", _("液化石油气 20Y")),
    ("22Y", _("液化石油气 22Y")),
    ("3R", _("人工煤气 3R")),
    ("4R", _("人工煤气 4R")),
    ("5R", _("人工煤气 5R")),
    ("6R", _("人工煤气 6R")),
    ("7R", _("人工煤气 7R")),
]
GAS_CATEGORY_CODES = [code for code, _label in GAS_CATEGORIES]

# Appliance categories with their product standard.
APPLIANCE_CATEGORIES = [
    ("cooktop", _("家用燃气灶具 (GB 16410)")),
    ("water_heater", _("燃气快速热水器 (GB 6932)")),
    ("boiler", _("燃气采暖热水炉 (GB 25034)")),
    ("other", _("其他燃气具 (烤箱等)")),
]

# The city and its districts are data (accounts.City / District, accounts.city), not constants here.
