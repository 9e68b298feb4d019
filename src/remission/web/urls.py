"""URL map of the application: the web pages, and the REST API under ``/api/``."""

from django.contrib.staticfiles import views as static_views
from django.urls import path, re_path

from remission.api.api import api
from remission.web.views import (
    auth,
    exports,
    imports,
    outcomes,
    patients,
    quality,
    records,
    screening,
    tokens,
)

urlpatterns = [
    path("", patients.home, name="home"),
    path("signin/", auth.SignInView.as_view(), name="login"),
    path("signout/", auth.SignOutView.as_view(), name="logout"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_register, name="patient_register"),
    path("patients/<str:registry_id>/", patients.patient_detail, name="patient_detail"),
    path("patients/<str:registry_id>/<slug:slug>/new/", records.record_new, name="record_new"),
    path("records/<slug:slug>/<int:pk>/", records.record_edit, name="record_edit"),
    path("records/<slug:slug>/<int:pk>/delete/", records.record_delete, name="record_delete"),
    path("records/<slug:slug>/<int:pk>/history/", records.record_history, name="record_history"),
    path("screening/", screening.screen, name="screening"),
    path("outcomes/", outcomes.outcomes, name="outcomes"),
    path("outcomes/report.<str:fmt>", outcomes.report, name="outcomes_report"),
    path("quality/", quality.quality, name="quality"),
    path("export/", exports.export, name="export"),
    path("import/", imports.import_page, name="import"),
    path("account/tokens/", tokens.token_page, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("api/", api.urls),
    # Static files (CSS, the API docs' scripts) straight from the packages; a production deployment can
    # put a web server or WhiteNoise in front instead.
    re_path(r"^static/(?P<path>.*)$", static_views.serve, {"insecure": True}, name="static"),
]
