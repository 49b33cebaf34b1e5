from django.urls import path

from motcua.backoffice import alerts, dossier_pages, printing, reception, returns, views, worklists

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    *reception.urlpatterns,
    *worklists.urlpatterns,
    *dossier_pages.urlpatterns,
    *returns.urlpatterns,
    *printing.urlpatterns,
    *alerts.urlpatterns,
]
