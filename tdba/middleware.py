"""Request hygiene shared by every page."""

from django.http import HttpResponseBadRequest

NUL_MESSAGE = "La requête contient un caractère nul, refusé par le service."


class RejectNulBytesMiddleware:
    """Refuse paths and query strings holding a NUL character (400, in French).

    No field of the service accepts one, and PostgreSQL cannot store it in text: without this, a NUL sent in a
    filter or a form would reach the database and end in a 500. The JSON API has its own check (its French
    messages follow the reference's envelope).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Form fields are covered by Django's own validator (ProhibitNullCharactersValidator); query strings are
        # read by views directly (filters, wizard steps, the ERP handshake).
        fields = request.GET.lists()
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in fields
        ):
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
