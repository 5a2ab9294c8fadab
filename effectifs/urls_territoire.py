"""Routes of the territoire pages (effectifs app)."""

urlpatterns: list = []
