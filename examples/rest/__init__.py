"""A REST API: Flask-RESTful resources, typed views and the OpenAPI document."""
