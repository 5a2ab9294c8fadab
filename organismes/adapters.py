"""django-allauth adapter: our own sign-up wizard creates accounts; only CONFIRMED accounts log in."""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from organismes.models import AccountStatus

NOT_VALIDATED_MESSAGE = "Votre compte n'est pas encore validé."


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created through the "S'inscrire" wizard (organisation first), not allauth's form.
        return False

    def pre_login(self, request, user, **kwargs):
        if user.account_status != AccountStatus.CONFIRMED:
            messages.error(request, NOT_VALIDATED_MESSAGE)
            return HttpResponseRedirect(reverse("account_login"))
        return super().pre_login(request, user, **kwargs)
