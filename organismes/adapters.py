"""django-allauth adapter: our own sign-up wizard creates accounts; only CONFIRMED accounts log in."""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from organismes.models import AccountStatus
from organismes.services import user_email_confirmed

NOT_VALIDATED_MESSAGE = "Votre compte n'est pas encore validé."
PENDING_SESSION_KEY = "inscription_en_attente"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created through the "S'inscrire" wizard (organisation first), not allauth's form.
        return False

    def pre_login(self, request, user, **kwargs):
        if user.account_status != AccountStatus.CONFIRMED:
            messages.error(request, NOT_VALIDATED_MESSAGE)
            return HttpResponseRedirect(reverse("account_login"))
        return super().pre_login(request, user, **kwargs)

    def confirm_email(self, request, email_address):
        """The activation link: the account then waits for a validation by its organisation or the team."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            request.session[PENDING_SESSION_KEY] = user_email_confirmed(request=request, user=email_address.user)
        return confirmed

    def get_email_verification_redirect_url(self, email_address):
        user = email_address.user
        if user.account_status == AccountStatus.CONFIRMED:
            messages.success(self.request, "Votre compte a été validé.")
            return reverse("account_login")
        return reverse("inscription_en_attente")

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        # The wizard pages say what happens next; allauth's "email confirmed" toast would only repeat it.
        if message_template == "account/messages/email_confirmed.txt":
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message=message)
