"""Configuration classes, picked by name in ``create_app``."""

import os
import uuid
from datetime import timedelta

import redis

basedir = os.path.abspath(os.path.dirname(__file__))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "change-me-in-production-0123456789abcdef")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", "sqlite:///" + os.path.join(basedir, "app.db")
    )
    POSTS_PER_PAGE = 3
    UPLOAD_FOLDER = os.path.join(basedir, "uploads")
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    ADMINS = ["admin@example.com"]

    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY", "jwt-secret-change-me-0123456789abcdef")
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=30)
    JWT_TOKEN_LOCATION = ["headers", "cookies"]
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_COOKIE_SECURE = False

    SESSION_TYPE = "redis"
    SESSION_REDIS = redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    SESSION_KEY_PREFIX = "microblog:"
    SESSION_PERMANENT = False

    REMEMBER_COOKIE_DURATION = timedelta(days=14)

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"

    CORS_ORIGINS = ["https://app.example.com"]

    TALISMAN_FORCE_HTTPS = True
    BEHIND_PROXY = os.environ.get("BEHIND_PROXY", "0") == "1"


class DevelopmentConfig(Config):
    DEBUG = True
    TALISMAN_FORCE_HTTPS = False


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    TALISMAN_FORCE_HTTPS = False
    SERVER_NAME = "localhost.localdomain"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SESSION_KEY_PREFIX = os.environ.get(
        "TEST_SESSION_KEY_PREFIX", f"microblog-test-{uuid.uuid4().hex}:"
    )
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=5)


config = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "default": DevelopmentConfig,
}
