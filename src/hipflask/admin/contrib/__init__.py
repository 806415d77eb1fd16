"""Data backends for model views, at Flask-Admin's path (``flask_admin.contrib``)."""
