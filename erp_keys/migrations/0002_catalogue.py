from django.db import migrations

# The real service's catalogue, in its display order (api-v3.md §4.1, `desiredOrder`).
CATALOGUE = [
    ("ymag", "Ypareo", True),
    ("gesti", "Gesti", True),
    ("scform", "SC Form", True),
    ("fcamanager", "FCA Manager", False),
    ("aimaira", "Aimaira", True),
    ("cactus", "Cactus", True),
    ("myclic", "MyClic", True),
    ("gescicca", "Gescicca", True),
    ("formasup", "Formasup", False),
    ("formasup-hdf", "Formasup HDF", True),
    ("charlemagne", "Charlemagne", True),
    ("ammon", "Ammon", True),
    ("ofa-link", "OFA-Link", True),
    ("filiz", "Filiz", True),
    ("hyperplanning", "Hyperplanning", True),
]


def load_catalogue(apps, schema_editor):
    Erp = apps.get_model("erp_keys", "Erp")
    for order, (unique_id, name, api_v3) in enumerate(CATALOGUE, start=1):
        Erp.objects.update_or_create(
            unique_id=unique_id, defaults={"name": name, "api_v3": api_v3, "display_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("erp_keys", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
