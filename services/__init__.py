"""Use cases, Telegram-free. Handlers call these and get plain records back."""

from services.container import Services, open_services
from services.errors import InvalidInput, NotFound, PermissionDenied, ServiceError
from services.residents.languages import LANGUAGES, reply_language
from services.views import AnswerView, CategoryView, ContactView, EntryView, ResidentView

__all__ = [
    "LANGUAGES",
    "AnswerView",
    "CategoryView",
    "ContactView",
    "EntryView",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "ResidentView",
    "ServiceError",
    "Services",
    "open_services",
    "reply_language",
]
