"""The API's resources, one module each over a shared generic base."""

from .base import Resource
from .contacts import Contacts
from .officials import Officials
from .sources import Sources
from .statements import Statements

__all__ = ["Contacts", "Officials", "Resource", "Sources", "Statements"]
