"""Authentication tutorials of Flask-Login, Flask-Principal and Flask-JWT-Extended.

Each is ported by renaming imports only.
"""
