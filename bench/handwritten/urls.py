from django.urls import path

from . import views

urlpatterns = [
    path("statements/", views.statement_list),
    path("statements/export.csv", views.statement_csv),
    path("statements/boundary/", views.boundary),
    path("statements/<int:pk>/", views.statement_detail),
]
