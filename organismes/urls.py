from django.urls import path

from organismes import views

urlpatterns = [
    path("organismes/<uuid:public_id>/", views.organisme_detail, name="organisme_detail"),
    # Sign-up wizard (pages-import-sifa.md §1.3).
    path("inscription/", views.inscription, name="inscription"),
    path(
        "inscription/organisme-formation/",
        views.inscription_organisme_formation,
        name="inscription_organisme_formation",
    ),
    path(
        "inscription/organisme-formation/resultats/",
        views.inscription_recherche_resultats,
        name="inscription_recherche_resultats",
    ),
    path("inscription/organisme-inconnu/", views.inscription_organisme_inconnu, name="inscription_organisme_inconnu"),
    path("inscription/operateur-public/", views.inscription_operateur_public, name="inscription_operateur_public"),
    path("inscription/reseau/", views.inscription_reseau, name="inscription_reseau"),
    path("inscription/reseau/inconnu/", views.inscription_reseau_inconnu, name="inscription_reseau_inconnu"),
    path("inscription/reseau-autre/", views.inscription_reseau_autre, name="inscription_reseau_autre"),
    path("inscription/autre/", views.inscription_autre, name="inscription_autre"),
    path("inscription/profil/", views.inscription_profil, name="inscription_profil"),
    path("inscription/bravo/", views.inscription_bravo, name="inscription_bravo"),
    path(
        "inscription/bravo/renvoyer/",
        views.inscription_renvoyer_activation,
        name="inscription_renvoyer_activation",
    ),
    path("inscription/en-attente/", views.inscription_en_attente, name="inscription_en_attente"),
    path("invitation/<str:token>/", views.invitation_accepter, name="invitation_accepter"),
    # Mon compte (§1.11).
    path("mon-compte/", views.mon_compte, name="mon_compte"),
    path("mon-compte/roles-habilitations/", views.roles_habilitations, name="roles_habilitations"),
    path("mon-compte/roles-habilitations/inviter/", views.roles_inviter, name="roles_inviter"),
    path("mon-compte/roles-habilitations/inviter-groupe/", views.roles_inviter_groupe, name="roles_inviter_groupe"),
    path("mon-compte/membres/<uuid:public_id>/valider/", views.membre_valider, name="membre_valider"),
    path("mon-compte/membres/<uuid:public_id>/refuser/", views.membre_refuser, name="membre_refuser"),
    path("mon-compte/membres/<uuid:public_id>/supprimer/", views.membre_supprimer, name="membre_supprimer"),
    path("mon-compte/membres/<uuid:public_id>/role/", views.membre_role, name="membre_role"),
    path("mon-compte/invitations/<uuid:public_id>/renvoyer/", views.invitation_renvoyer, name="invitation_renvoyer"),
    path("mon-compte/invitations/<uuid:public_id>/annuler/", views.invitation_annuler, name="invitation_annuler"),
]
