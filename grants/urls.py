"""URLs of the grants pages, included at the site root. Names follow the
site's first style, without a namespace ('home' is the login redirect)."""

from django.urls import path

from grants import views

urlpatterns = [
    path("", views.home, name="home"),
    path("instruments/<int:pk>/", views.instrument_detail, name="instrument-detail"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
]
