from django.db import migrations

from organismes.territoires import ACADEMIES, DEPARTEMENTS, REGIONS


def load_territoires(apps, schema_editor):
    Region = apps.get_model("organismes", "Region")
    Academie = apps.get_model("organismes", "Academie")
    Departement = apps.get_model("organismes", "Departement")
    for code, nom in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"nom": nom})
    for code, nom in ACADEMIES:
        Academie.objects.update_or_create(code=code, defaults={"nom": nom})
    for code, nom, region, academie in DEPARTEMENTS:
        Departement.objects.update_or_create(
            code=code, defaults={"nom": nom, "region_id": region, "academie_id": academie}
        )


def load_dsfr_config(apps, schema_editor):
    # django-dsfr keeps its site configuration in a row: create it here, not by hand.
    DsfrConfig = apps.get_model("dsfr", "DsfrConfig")
    DsfrConfig.objects.update_or_create(
        language="fr",
        defaults={
            "site_title": "Tableau de bord de l'apprentissage",
            "site_tagline": "Suivre les effectifs en apprentissage, en temps réel, dans les territoires",
            "header_brand": "République française",
            "header_brand_html": "République<br>française",
            "footer_brand": "République française",
            "footer_brand_html": "République<br>française",
            "beta_tag": True,
            "accessibility_status": "NOT",
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organismes", "0001_initial"),
        ("dsfr", "0012_dsfrconfig_notice_description_and_more"),
    ]

    operations = [
        migrations.RunPython(load_territoires, migrations.RunPython.noop),
        migrations.RunPython(load_dsfr_config, migrations.RunPython.noop),
    ]
