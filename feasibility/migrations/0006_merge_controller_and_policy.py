# Joins two changes to the registry made side by side: the controller and entry fields of the posts, and the
# shop policy. Neither depends on the other.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("feasibility", "0005_controller_and_entry_fields"),
        ("feasibility", "0005_shop_policy"),
    ]

    operations = []
