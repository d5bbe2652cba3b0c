from django.urls import path

from relata.feedback import public_views

app_name = "survey_public"

# The token is matched loosely (anything up to the next slash), so a mistyped or truncated
# link reaches the polite "not recognised" page instead of the site's bare 404.
urlpatterns = [
    path("<str:token>/", public_views.answer, name="answer"),
    path("<str:token>/thanks/", public_views.thanks, name="thanks"),
]
