"""The API app has no tables of its own: API tokens are the registry's (``remission.registry.models.tokens``),
one floor below the faces that use them. Their table keeps this app's name, ``api_apitoken``; the app's
migrations stay, as existing databases have applied them (``api/0003`` hands the model to the registry)."""
