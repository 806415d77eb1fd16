import os
from datetime import datetime
from datetime import timezone

import sqlalchemy as sa
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for
from flask_login import current_user
from flask_login import fresh_login_required
from flask_login import login_required
from werkzeug.utils import secure_filename

from ..extensions import admin_permission
from ..extensions import db
from ..extensions import limiter
from ..models import Post
from ..models import User
from . import bp
from .forms import EditProfileForm
from .forms import EmptyForm
from .forms import PostForm


@bp.before_app_request
def before_request():
    if current_user.is_authenticated:
        current_user.last_seen = datetime.now(timezone.utc)
        db.session.commit()


@bp.route("/", methods=["GET", "POST"])
@bp.route("/index", methods=["GET", "POST"])
@login_required
def index():
    form = PostForm()
    if form.validate_on_submit():
        db.session.add(Post(body=form.post.data, author=current_user))
        db.session.commit()
        flash("Your post is now live!", "success")
        return redirect(url_for("main.index"))
    page = request.args.get("page", 1, type=int)
    posts = db.paginate(
        current_user.following_posts(),
        page=page,
        per_page=current_app.config["POSTS_PER_PAGE"],
        error_out=False,
    )
    next_url = url_for("main.index", page=posts.next_num) if posts.has_next else None
    prev_url = url_for("main.index", page=posts.prev_num) if posts.has_prev else None
    return render_template(
        "index.html",
        title="Home",
        form=form,
        posts=posts.items,
        next_url=next_url,
        prev_url=prev_url,
    )


@bp.route("/explore")
@login_required
def explore():
    page = request.args.get("page", 1, type=int)
    posts = Post.query.order_by(Post.timestamp.desc()).paginate(
        page=page, per_page=current_app.config["POSTS_PER_PAGE"], error_out=False
    )
    next_url = url_for("main.explore", page=posts.next_num) if posts.has_next else None
    prev_url = url_for("main.explore", page=posts.prev_num) if posts.has_prev else None
    return render_template(
        "index.html", title="Explore", posts=posts.items, next_url=next_url, prev_url=prev_url
    )


@bp.route("/user/<username>")
@login_required
def user(username):
    user = db.first_or_404(sa.select(User).where(User.username == username))
    page = request.args.get("page", 1, type=int)
    query = user.posts.select().order_by(Post.timestamp.desc())
    posts = db.paginate(query, page=page, per_page=current_app.config["POSTS_PER_PAGE"])
    form = EmptyForm()
    profile_url = url_for("main.user", username=user.username, _external=True)
    return render_template(
        "user.html",
        user=user,
        posts=posts.items,
        pagination=posts,
        form=form,
        profile_url=profile_url,
    )


@bp.route("/edit_profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = EditProfileForm(current_user.username)
    if form.validate_on_submit():
        current_user.username = form.username.data
        current_user.about_me = form.about_me.data
        upload = form.avatar.data
        if upload:
            filename = secure_filename(f"{current_user.id}-{upload.filename}")
            upload.save(os.path.join(current_app.config["UPLOAD_FOLDER"], filename))
            current_user.avatar = filename
        db.session.commit()
        flash("Your changes have been saved.", "success")
        return redirect(url_for("main.edit_profile"))
    elif request.method == "GET":
        form.username.data = current_user.username
        form.about_me.data = current_user.about_me
    return render_template("edit_profile.html", title="Edit Profile", form=form)


@bp.route("/uploads/<path:filename>")
@login_required
def uploaded_file(filename):
    return send_from_directory(current_app.config["UPLOAD_FOLDER"], filename)


@bp.route("/follow/<username>", methods=["POST"])
@login_required
def follow(username):
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.index"))
    user = User.query.filter_by(username=username).first()
    if user is None:
        flash(f"User {username} not found.", "warning")
        return redirect(url_for("main.index"))
    if user == current_user:
        flash("You cannot follow yourself!", "warning")
        return redirect(url_for("main.user", username=username))
    current_user.follow(user)
    db.session.commit()
    flash(f"You are following {username}!", "success")
    return redirect(url_for("main.user", username=username))


@bp.route("/unfollow/<username>", methods=["POST"])
@login_required
def unfollow(username):
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.index"))
    user = User.query.filter_by(username=username).first_or_404()
    current_user.unfollow(user)
    db.session.commit()
    flash(f"You are not following {username}.", "info")
    return redirect(url_for("main.user", username=username))


@bp.route("/admin/users")
@login_required
@admin_permission.require(http_exception=403)
def admin_users():
    users = db.session.execute(db.select(User).order_by(User.username)).scalars().all()
    return render_template("admin_users.html", title="Users", users=users)


@bp.route("/settings/security")
@fresh_login_required
def security_settings():
    return render_template("admin_users.html", title="Security", users=[current_user])


@bp.route("/health")
@limiter.exempt
def health():
    return {"status": "ok"}


@bp.route("/boom")
def boom():
    raise RuntimeError("deliberate failure for the 500 page")
