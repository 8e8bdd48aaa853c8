from django.urls import path

from grants import views

urlpatterns = [
    path("", views.home, name="home"),
]
