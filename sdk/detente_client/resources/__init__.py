"""The API's resources, one module each over a shared generic base; and the views across them."""

from .base import Resource
from .contacts import Contacts
from .network import NetworkResource
from .officials import Officials
from .sources import Sources
from .statements import Statements
from .timeline import Timeline

__all__ = [
    "Contacts",
    "NetworkResource",
    "Officials",
    "Resource",
    "Sources",
    "Statements",
    "Timeline",
]
