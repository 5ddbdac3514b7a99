"""Routes of the REST API; include them with ``path("api/", include("django_momo.api.urls"))``.

Route names start with ``api-`` so that they sit beside the callback routes in the
``django_momo`` namespace (e.g. ``reverse("django_momo:api-transfer-list")``).
"""

from django.urls import URLPattern, path

from django_momo.api import views
from django_momo.api.schema import schema_view

urlpatterns: list[URLPattern] = [
    path("transfers/", views.TransferListView.as_view(), name="api-transfer-list"),
    path("transfers/<str:pk>/", views.TransferDetailView.as_view(), name="api-transfer-detail"),
    path(
        "transfers/<str:pk>/decision/",
        views.TransferDecisionView.as_view(),
        name="api-transfer-decision",
    ),
    path("collections/", views.CollectionListView.as_view(), name="api-collection-list"),
    path(
        "collections/<str:pk>/",
        views.CollectionDetailView.as_view(),
        name="api-collection-detail",
    ),
    path(
        "collections/<str:pk>/refunds/",
        views.CollectionRefundListView.as_view(),
        name="api-collection-refunds",
    ),
    path("refunds/", views.RefundListView.as_view(), name="api-refund-list"),
    path("refunds/<str:pk>/", views.RefundDetailView.as_view(), name="api-refund-detail"),
    path(
        "refunds/<str:pk>/decision/", views.RefundDecisionView.as_view(), name="api-refund-decision"
    ),
    path("accounts/", views.AccountListView.as_view(), name="api-account-list"),
    path(
        "accounts/<str:name>/balance/",
        views.AccountBalanceView.as_view(),
        name="api-account-balance",
    ),
]

_schema = schema_view()
if _schema is not None:
    urlpatterns.append(path("schema/", _schema, name="api-schema"))
