from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DjangoMomoConfig(AppConfig):
    name = "django_momo"
    verbose_name = _("Mobile money")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
