"""The API token model moves to the registry app (``registry.ApiToken``), one floor below the faces.

State only: the table ``api_apitoken`` stays where it is, with its rows; ``registry/0010`` takes the model
over, keeping the table's name. Nothing in the database changes, forwards or backwards.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_token_expiry_scope_lineage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")],
            database_operations=[],
        ),
    ]
