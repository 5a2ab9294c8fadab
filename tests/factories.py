"""factory_boy factories shared by the tests."""

import factory
from stdnum import luhn

from organismes.models import (
    AccountStatus,
    Fiabilisation,
    Nature,
    Organisation,
    OrganisationType,
    Organisme,
    OrganismeRelation,
    Reseau,
    User,
)


def _siret(n: int) -> str:
    body = f"{n:013d}"
    return body + luhn.calc_check_digit(body)


def _uai(n: int) -> str:
    return f"{n % 10**7:07d}{'ABCDEFGHJKLMNPRSTUVWXYZ'[n % 23]}"


class ReseauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reseau
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"reseau-{n}")
    nom = factory.LazyAttribute(lambda o: o.key.upper())


class OrganismeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisme
        skip_postgeneration_save = True

    uai = factory.Sequence(lambda n: _uai(1000 + n))
    siret = factory.Sequence(lambda n: _siret(10**8 + n * 97))
    raison_sociale = factory.Sequence(lambda n: f"CFA TEST {n}")
    nature = Nature.RESPONSABLE_FORMATEUR
    fiabilisation_statut = Fiabilisation.FIABLE
    code_postal = "56000"
    commune = "Vannes"
    departement_id = "56"
    region_id = "53"
    academie_id = "14"

    class Params:
        non_fiable = factory.Trait(fiabilisation_statut=Fiabilisation.NON_FIABLE)
        sans_uai = factory.Trait(uai=None)
        ferme_ = factory.Trait(ferme=True)

    @factory.post_generation
    def reseaux(self, create, extracted, **kwargs):
        if create and extracted:
            self.reseaux.set(extracted)


class RelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganismeRelation

    responsable = factory.SubFactory(OrganismeFactory)
    formateur = factory.SubFactory(OrganismeFactory)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    type = OrganisationType.ORGANISME_FORMATION
    organisme = factory.Maybe(
        factory.LazyAttribute(lambda o: o.type == OrganisationType.ORGANISME_FORMATION),
        yes_declaration=factory.SubFactory(OrganismeFactory),
        no_declaration=None,
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@example.org")
    prenom = "Camille"
    nom = "Martin"
    civilite = "Madame"
    organisation = factory.SubFactory(OrganisationFactory)
    account_status = AccountStatus.CONFIRMED
    password = factory.PostGenerationMethodCall("set_password", "Motdepasse-solide-123")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()
