"""The app object, blueprints, configuration, signals and the request pipeline."""
