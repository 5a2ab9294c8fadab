"""Routes of the sifa pages (effectifs app)."""

urlpatterns: list = []
