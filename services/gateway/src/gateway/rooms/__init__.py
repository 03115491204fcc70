"""The gateway's rooms, one per audience; see the package's docstring (gateway/__init__.py)."""

from .admin import AdminPages
from .api import API
from .citizen import CitizenPages
from .open311 import Open311Room
from .public import PublicPages
from .staff import StaffPages

ROOMS = (*API, Open311Room, PublicPages, CitizenPages, StaffPages, AdminPages)
