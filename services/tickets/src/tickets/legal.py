"""Law 31-13 on access to information: the exceptions a refusal must name, and the remedies.

One list, so a refusal can only cite an exception the law has (article 7).
"""

from __future__ import annotations

EXCEPTIONS = {
    "national_defence": "national defence",
    "state_security": "internal and external security of the State",
    "private_life": "private life and personal data",
    "fundamental_rights": "fundamental rights and freedoms",
    "source_protection": "protection of sources",
    "foreign_relations": "relations with a foreign State or international organisation",
    "monetary_economic_policy": "monetary, economic or financial policy of the State",
    "intellectual_property": "intellectual and industrial property rights",
    "judicial_proceedings": "judicial proceedings and preliminary investigations",
    "deliberations": "deliberations of the council of ministers and the government council",
}

# The appeal chain a reasoned refusal has to state.
REMEDIES = (
    "complaint to the head of the body within 20 working days (answer within 15 working days)",
    "then to the Commission on the right of access to information (CDAI) within 30 days",
    "then to the administrative court",
)
