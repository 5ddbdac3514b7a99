"""URLs of django-momo: include them under one prefix, e.g. ``path("momo/", include(...))``."""

from django.urls import include, path

from django_momo.callbacks import returns
from django_momo.callbacks import views as callback_views

app_name = "django_momo"

urlpatterns = [
    path("callbacks/mtn/<str:token>/", callback_views.mtn_callback, name="mtn-callback"),
    path("callbacks/momo-vn/ipn/", callback_views.momo_vn_ipn, name="momo-vn-ipn"),
    path("returns/momo-vn/<str:token>/", returns.momo_vn_return, name="momo-vn-return"),
    path("api/", include("django_momo.api.urls")),
]
