from __future__ import annotations

from pathlib import Path

import pytest

from hipflask import Hipflask
from hipflask.db import SQLAlchemy
from hipflask.db import migrate as migrations
from hipflask.db.migrate import Migrate
from hipflask.errors import ConfigurationError


def make(tmp_path: Path) -> tuple[Hipflask, SQLAlchemy]:
    app = Hipflask("m", instance_path=str(tmp_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'a.db'}"
    db = SQLAlchemy(app)

    class Item(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    return app, db


def test_init_app_later_and_the_functions_from_a_script(tmp_path: Path) -> None:
    app, db = make(tmp_path)
    migrate = Migrate(compare_type=False)
    migrate.init_app(app, db, directory=str(tmp_path / "mig"))
    state = app.extensions["migrate"]
    assert state.db is db
    assert state.metadata is db.metadata
    assert state.configure_args == {"compare_type": False, "render_as_batch": True}
    with app.app_context():
        migrations.init()
        migrations.migrate(message="items")
        migrations.upgrade()
        migrations.current()
        migrations.heads()
        migrations.show()
        migrations.check()
        migrations.history()
        migrations.downgrade()
        migrations.stamp()
        migrations.revision(message="manual")
    assert len(list((tmp_path / "mig" / "versions").glob("*.py"))) == 2


def test_configure_callbacks_adjust_the_alembic_config(tmp_path: Path) -> None:
    app, db = make(tmp_path)
    migrate = Migrate(app, db, directory=str(tmp_path / "mig"))

    @migrate.configure
    def tweak(config: migrations.Config) -> migrations.Config:
        config.set_main_option("hipflask_test", "yes")
        return config

    config = migrate.get_config()
    assert config.get_main_option("hipflask_test") == "yes"
    assert config.get_main_option("script_location") == str(tmp_path / "mig")


def test_migrate_without_db_is_a_configuration_error(tmp_path: Path) -> None:
    app, _ = make(tmp_path)
    with pytest.raises(ConfigurationError, match="Migrate"):
        Migrate().init_app(app)


def test_functions_without_migrate_say_what_to_add(tmp_path: Path) -> None:
    app, _ = make(tmp_path)
    with app.app_context(), pytest.raises(ConfigurationError, match="Migrate"):
        migrations.upgrade()
