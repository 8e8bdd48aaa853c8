"""Officers' verification of payment claims under /manage/claims/ (namespace
"verification"): the queue, item verification, return, approval, rejection, payment."""

app_name = "verification"

urlpatterns: list = []
