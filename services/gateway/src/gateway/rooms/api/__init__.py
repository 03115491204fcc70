"""The REST API room: JSON under /api/v1 (with /.well-known/jwks.json and /healthz), for apps,
partner systems and scripts. Every route is an `api` entrypoint (entrypoints.Api): its errors are
problem bodies (RFC 9457), and openapi.py describes it.

One class per topic, each naming the services it calls:
- about.py: the OpenAPI document and /healthz
- registry.py: the offices and the registry's public reads
- tickets.py: filing a request and tracking it by its code
- documents.py: attachments, uploads and each office's public library
- accounts.py: accounts, sessions, signing keys, roles, audit, API keys and the data-subject rights
- me.py: a signed-in person's own requests and inbox
- staff.py: the office's work on requests (staff read, walk-in, transitions, requester erasure)
- federation.py: the federation's figures, its directory, invitations and message log, and a
  request's move to another instance (offered by the office, answered by its requester)

A new API route goes, with @api, in the class of its topic (a new topic: a module here, its class
added to API below).
"""

from .about import AboutApi
from .accounts import AccountsApi
from .documents import DocumentsApi
from .federation import FederationApi
from .me import MeApi
from .registry import RegistryApi
from .staff import StaffApi
from .tickets import TicketsApi

API = (AboutApi, RegistryApi, TicketsApi, DocumentsApi, AccountsApi, MeApi, StaffApi, FederationApi)
