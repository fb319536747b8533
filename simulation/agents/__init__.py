"""The Mesa agents: residents, volunteers, Party members and grid workers."""

from .grid_worker import GridWorker, OfficeStaff
from .party_member import PartyMember
from .resident import Resident
from .volunteer import Volunteer

__all__ = ["GridWorker", "OfficeStaff", "PartyMember", "Resident", "Volunteer"]
