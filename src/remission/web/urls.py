"""URL map of the application: the web pages, and the REST API under ``/api/``."""

from django.urls import path

from remission.api.api import api
from remission.web.views import (
    accounts,
    auth,
    completeness,
    exports,
    imports,
    outcomes,
    patients,
    quality,
    queries,
    records,
    screening,
    tokens,
    worklist,
)

# Static files (CSS, scripts, the API docs' assets) are served by WhiteNoise (settings MIDDLEWARE).
handler500 = "remission.web.views.errors.server_error"

urlpatterns = [
    path("", patients.home, name="home"),
    path("signin/", auth.SignInView.as_view(), name="login"),
    path("signout/", auth.SignOutView.as_view(), name="logout"),
    path("signin/code/", auth.second_factor_verify, name="second_factor_verify"),
    path("account/", auth.account, name="account"),
    path("account/password/", auth.password_change, name="password_change"),
    path("account/second-factor/", auth.second_factor_enrol, name="second_factor_enrol"),
    path("accounts/users/", accounts.user_list_page, name="user_list"),
    path("accounts/users/<int:pk>/", accounts.user_detail, name="user_detail"),
    path("accounts/users/<int:pk>/password/", accounts.user_password_reset, name="user_password_reset"),
    path("accounts/users/<int:pk>/deactivate/", accounts.user_deactivate, name="user_deactivate"),
    path("accounts/users/<int:pk>/reactivate/", accounts.user_reactivate, name="user_reactivate"),
    path(
        "accounts/users/<int:pk>/second-factor/reset/",
        accounts.user_second_factor_reset,
        name="user_second_factor_reset",
    ),
    path("accounts/memberships/<int:pk>/end/", accounts.membership_end, name="membership_end"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_register, name="patient_register"),
    path("patients/<str:registry_id>/", patients.patient_detail, name="patient_detail"),
    path("patients/<str:registry_id>/fhir.json", exports.patient_fhir, name="patient_fhir"),
    path("patients/<str:registry_id>/<slug:slug>/new/", records.record_new, name="record_new"),
    path("records/<slug:slug>/<int:pk>/", records.record_edit, name="record_edit"),
    path("records/<slug:slug>/<int:pk>/delete/", records.record_delete, name="record_delete"),
    path("records/<slug:slug>/<int:pk>/history/", records.record_history, name="record_history"),
    path("screening/", screening.screen, name="screening"),
    path("outcomes/", outcomes.outcomes, name="outcomes"),
    path("outcomes/report.<str:fmt>", outcomes.report, name="outcomes_report"),
    path("quality/", quality.quality, name="quality"),
    path("quality/worklist/", worklist.worklist, name="worklist"),
    path("quality/completeness/", completeness.completeness, name="completeness"),
    path("quality/completeness.csv", completeness.completeness_csv, name="completeness_csv"),
    path("queries/", queries.query_list, name="queries"),
    path("queries/raise/", queries.query_raise, name="query_raise"),
    path("queries/<int:pk>/", queries.query_detail, name="query_detail"),
    path("export/", exports.export, name="export"),
    path("export/redcap-dictionary.csv", exports.redcap_dictionary, name="export_redcap_dictionary"),
    path("export/redcap-records.csv", exports.redcap_records, name="export_redcap_records"),
    path("export/fhir.zip", exports.fhir_bundles, name="export_fhir"),
    path("import/", imports.import_page, name="import"),
    path("account/tokens/", tokens.token_page, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("api/", api.urls),
]
