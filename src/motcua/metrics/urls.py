from django.urls import path

from motcua.metrics import views

app_name = "metrics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("late/", views.late, name="late"),
    path("dossiers/", views.dossiers, name="dossiers"),
    path("ii06a/", views.ii06a, name="ii06a"),
    path("ii06a.xlsx", views.ii06a_xlsx, name="ii06a_xlsx"),
    path("ii06a.pdf", views.ii06a_pdf, name="ii06a_pdf"),
]
