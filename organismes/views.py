from django.shortcuts import render

from organismes.selectors import organisme_get_public


def organisme_detail(request, public_id):
    """The organisme card of the seeds ("Son tableau de bord" for someone else's organisme)."""
    organisme = organisme_get_public(public_id=public_id)
    return render(request, "organismes/organisme_detail.html", {"organisme": organisme})
