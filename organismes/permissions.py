"""Who may see what: the ACL of statuses-indicators-roles.md §4.2 with the 2024 matrix (§4.3 "historical").

A user's organisation gives, for each permission, a `Scope` over organismes. Selectors turn scopes into
query filters (`Scope.q`) and object checks (`Scope.contains`); anything outside answers 404.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from organismes.models import Organisation, OrganisationType, Organisme, OrganismeRelation

NOMINATIF_TYPES = ("apprenant", "apprenti", "inscritSansContrat", "rupturant", "abandon", "inconnu")
# Public operators get only the lists that support the accompaniment of young people in difficulty.
NOMINATIF_TYPES_OPERATEURS = ("inscritSansContrat", "rupturant", "abandon")


@dataclass(frozen=True)
class Scope:
    """A set of organismes. `everything` means no restriction; the other keys combine with AND."""

    everything: bool = False
    ids: frozenset[int] | None = None
    reseaux: frozenset[int] | None = None
    regions: frozenset[str] | None = None
    departements: frozenset[str] | None = None
    academies: frozenset[str] | None = None

    @classmethod
    def all(cls) -> "Scope":
        return cls(everything=True)

    @classmethod
    def none(cls) -> "Scope":
        return cls()

    @property
    def is_empty(self) -> bool:
        return not self.everything and all(
            v is None for v in (self.ids, self.reseaux, self.regions, self.departements, self.academies)
        )

    def __bool__(self) -> bool:
        return not self.is_empty

    def q(self, prefix: str = "") -> Q:
        """Filter on Organisme (prefix "") or on a model pointing to it (e.g. prefix "organisme__")."""
        if self.everything:
            return Q()
        if self.is_empty:
            return Q(pk__in=[])
        condition = Q()
        if self.ids is not None:
            condition &= Q(**{f"{prefix}pk__in": self.ids})
        if self.reseaux is not None:
            condition &= Q(**{f"{prefix}reseaux__in": self.reseaux})
        if self.regions is not None:
            condition &= Q(**{f"{prefix}region_id__in": self.regions})
        if self.departements is not None:
            condition &= Q(**{f"{prefix}departement_id__in": self.departements})
        if self.academies is not None:
            condition &= Q(**{f"{prefix}academie_id__in": self.academies})
        return condition

    def contains(self, organisme: Organisme) -> bool:
        if self.everything:
            return True
        if self.is_empty:
            return False
        if self.ids is not None and organisme.pk not in self.ids:
            return False
        if self.reseaux is not None and not (self.reseaux & set(organisme.reseaux.values_list("pk", flat=True))):
            return False
        if self.regions is not None and organisme.region_id not in self.regions:
            return False
        if self.departements is not None and organisme.departement_id not in self.departements:
            return False
        return not (self.academies is not None and organisme.academie_id not in self.academies)


@dataclass(frozen=True)
class Acl:
    view_contacts: Scope = field(default_factory=Scope.none)
    info_transmission_effectifs: Scope = field(default_factory=Scope.none)
    indicateurs_effectifs: Scope = field(default_factory=Scope.none)
    effectifs_nominatifs: dict[str, Scope] = field(default_factory=dict)
    manage_effectifs: Scope = field(default_factory=Scope.none)
    configurer_mode_transmission: Scope = field(default_factory=Scope.none)

    def nominatif(self, type_: str) -> Scope:
        return self.effectifs_nominatifs.get(type_, Scope.none())


@dataclass(frozen=True)
class OrganismePermissions:
    """Permissions of a user on one organisme (`buildOrganismePermissions`)."""

    view_contacts: bool
    info_transmission_effectifs: bool
    indicateurs_effectifs: bool
    effectifs_nominatifs: tuple[str, ...]
    manage_effectifs: bool
    configurer_mode_transmission: bool


def _nominatifs(scope: Scope, types=NOMINATIF_TYPES) -> dict[str, Scope]:
    return {t: (scope if t in types else Scope.none()) for t in NOMINATIF_TYPES}


def acl_for_organisation(organisation: Organisation | None) -> Acl:
    """The ACL of an organisation, per the 2024 permission matrix."""
    if organisation is None:
        return Acl()
    t = OrganisationType
    kind = organisation.type
    if kind == t.ADMINISTRATEUR:
        everything = Scope.all()
        return Acl(everything, everything, everything, _nominatifs(everything), everything, everything)
    if kind == t.ORGANISME_FORMATION:
        organisme_id = organisation.organisme_id
        relations = list(
            OrganismeRelation.objects.filter(responsable_id=organisme_id).values_list(
                "formateur_id", "responsabilite_partielle"
            )
        )
        organisme_or_formateurs = Scope(ids=frozenset({organisme_id, *(f for f, _ in relations)}))
        # Partial responsibility shows indicators of a formateur, never its learners' names (§5.3).
        full_access = Scope(ids=frozenset({organisme_id, *(f for f, partial in relations if not partial)}))
        return Acl(
            view_contacts=organisme_or_formateurs,
            info_transmission_effectifs=organisme_or_formateurs,
            indicateurs_effectifs=organisme_or_formateurs,
            effectifs_nominatifs=_nominatifs(full_access),
            manage_effectifs=full_access,
            configurer_mode_transmission=Scope(ids=frozenset({organisme_id})),
        )
    if kind == t.TETE_DE_RESEAU:
        reseau = Scope(reseaux=frozenset({organisation.reseau_id}))
        responsable = organisation.reseau is not None and organisation.reseau.responsable
        return Acl(
            view_contacts=reseau,
            info_transmission_effectifs=reseau,
            indicateurs_effectifs=reseau,
            effectifs_nominatifs=_nominatifs(reseau if responsable else Scope.none()),
            manage_effectifs=reseau if responsable else Scope.none(),
        )
    territory = None
    if kind in (t.DREETS, t.DRAAF, t.CONSEIL_REGIONAL, t.CARIF_OREF_REGIONAL):
        territory = Scope(regions=frozenset({organisation.region_id}))
    elif kind == t.DDETS:
        territory = Scope(departements=frozenset({organisation.departement_id}))
    elif kind == t.ACADEMIE:
        territory = Scope(academies=frozenset({organisation.academie_id}))
    if territory is not None:
        lists = kind in (t.DREETS, t.DRAAF, t.DDETS, t.ACADEMIE)
        return Acl(
            view_contacts=territory,
            # Public operators see the transmission state of every organisme in France (§7 item 8).
            info_transmission_effectifs=Scope.all(),
            indicateurs_effectifs=territory,
            effectifs_nominatifs=_nominatifs(territory, NOMINATIF_TYPES_OPERATEURS if lists else ()),
        )
    if kind in (t.OPERATEUR_PUBLIC_NATIONAL, t.CARIF_OREF_NATIONAL):
        everything = Scope.all()
        return Acl(everything, everything, everything, _nominatifs(Scope.none(), ()))
    return Acl()


def acl_for_user(user) -> Acl:
    """The ACL of a logged-in, confirmed user (anonymous or unconfirmed users get nothing)."""
    if not getattr(user, "is_authenticated", False) or user.account_status != "CONFIRMED":
        return Acl()
    cached = getattr(user, "_tdba_acl", None)
    if cached is None:
        cached = acl_for_organisation(user.organisation)
        user._tdba_acl = cached
    return cached


def organisme_permissions(acl: Acl, organisme: Organisme) -> OrganismePermissions:
    """What the ACL allows on one organisme."""
    return OrganismePermissions(
        view_contacts=acl.view_contacts.contains(organisme),
        info_transmission_effectifs=acl.info_transmission_effectifs.contains(organisme),
        indicateurs_effectifs=acl.indicateurs_effectifs.contains(organisme),
        effectifs_nominatifs=tuple(t for t in NOMINATIF_TYPES if acl.nominatif(t).contains(organisme)),
        manage_effectifs=acl.manage_effectifs.contains(organisme),
        configurer_mode_transmission=acl.configurer_mode_transmission.contains(organisme),
    )
