"""Administration pages: users (sysadmin), roles (secadmin), units (office staff edit, business
roles read)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.admin.forms import GrantForm, PasswordResetForm, UnitForm, UserForm
from app.auth.models import RoleGrant, User
from app.auth.roles import Permission, Role
from app.auth.services import (
    create_user,
    grant_role,
    require,
    reset_password,
    revoke_role,
    set_user_active,
    unlock_user,
)
from app.db import utcnow
from app.errors import InvalidInput
from app.extensions import db, db_session
from app.org.models import Category, Unit
from app.org.services import UnitInput, current_year, memberships, save_unit
from app.web.context import current_actor, login_required, permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _attach_errors(form: Any, error: InvalidInput) -> None:
    db.session.rollback()
    details = error.details if isinstance(error.details, dict) else {}
    placed = False
    for name, messages in details.items():
        if hasattr(form, name):
            getattr(form, name).errors = [*getattr(form, name).errors, *messages]
            placed = True
    if not placed:
        flash(error.message, "error")


def _all_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.username)).scalars())


@bp.route("/users", methods=["GET", "POST"])
@login_required
@permission_required(Permission.MANAGE_USERS)
def users() -> Any:
    """List accounts and create new ones."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            create_user(
                db_session(),
                actor=current_actor(),
                username=form.username.data,
                display_name=form.display_name.data,
                password=form.password.data,
                now=utcnow(),
            )
        except InvalidInput as error:
            _attach_errors(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Account %(name)s created; it must change its password at first sign-in.",
                    name=form.username.data,
                ),
                "success",
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/users.html", form=form, users=_all_users(), now=utcnow())


@bp.post("/users/<int:user_id>/active")
@login_required
@permission_required(Permission.MANAGE_USERS)
def set_active(user_id: int) -> Any:
    """Enable or disable an account."""
    user = db.session.get(User, user_id) or abort(404)
    set_user_active(
        db_session(),
        actor=current_actor(),
        user=user,
        active=request.form.get("active") == "1",
        now=utcnow(),
    )
    db.session.commit()
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/unlock")
@login_required
@permission_required(Permission.MANAGE_USERS)
def unlock(user_id: int) -> Any:
    """Lift a sign-in lock."""
    user = db.session.get(User, user_id) or abort(404)
    unlock_user(db_session(), actor=current_actor(), user=user, now=utcnow())
    db.session.commit()
    flash(_("Account %(name)s unlocked.", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
@permission_required(Permission.MANAGE_USERS)
def password(user_id: int) -> Any:
    """Set a temporary password that the user must change at the next sign-in."""
    user = db.session.get(User, user_id) or abort(404)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            reset_password(
                db_session(),
                actor=current_actor(),
                user=user,
                temporary_password=form.password.data,
                now=utcnow(),
            )
        except InvalidInput as error:
            _attach_errors(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "The password of %(name)s was reset; it must be changed at the next sign-in.",
                    name=user.username,
                ),
                "success",
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/password.html", form=form, user=user)


@bp.route("/roles", methods=["GET", "POST"])
@login_required
@permission_required(Permission.GRANT_ROLES)
def roles() -> Any:
    """Grant and revoke roles; the three administrator roles never share an account."""
    form = GrantForm()
    all_users = _all_users()
    units = list(db.session.execute(select(Unit).order_by(Unit.code)).scalars())
    form.user_id.choices = [(u.id, f"{u.display_name}（{u.username}）") for u in all_users]
    form.role.choices = [(r.value, r.label) for r in Role]
    form.unit_id.choices = [(0, "—")] + [(u.id, u.name_zh) for u in units]
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data) or abort(404)
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            grant_role(
                db_session(),
                actor=current_actor(),
                user=user,
                role=Role(form.role.data),
                unit=unit,
                now=utcnow(),
            )
        except InvalidInput as error:
            _attach_errors(form, error)
        else:
            db.session.commit()
            flash(_("Role granted."), "success")
            return redirect(url_for("admin.roles"))
    return render_template("admin/roles.html", form=form, users=all_users)


@bp.post("/roles/<int:grant_id>/revoke")
@login_required
@permission_required(Permission.GRANT_ROLES)
def revoke(grant_id: int) -> Any:
    """Take a role away."""
    grant = db.session.get(RoleGrant, grant_id) or abort(404)
    revoke_role(db_session(), actor=current_actor(), grant=grant, now=utcnow())
    db.session.commit()
    flash(_("Role revoked."), "success")
    return redirect(url_for("admin.roles"))


def _leader_choices() -> list[tuple[int, str]]:
    leaders = db.session.execute(
        select(User)
        .join(User.grants)
        .where(RoleGrant.role == Role.PROVINCIAL_LEADER)
        .order_by(User.username)
    ).scalars()
    return [(0, "—")] + [(u.id, u.display_name) for u in leaders]


@bp.route("/units", methods=["GET", "POST"])
@login_required
def units() -> Any:
    """The units assessed this year; the office adds and edits them (SPEC §1), everyone in the
    business reads them."""
    actor = current_actor()
    if not (actor.can(Permission.MANAGE_UNITS) or actor.can(Permission.BUSINESS)):
        require(actor, Permission.MANAGE_UNITS)
    year = current_year(db_session())
    form = UnitForm()
    form.leader_id.choices = _leader_choices()
    form.category.choices = [(c.value, c.label) for c in Category]
    if request.method == "POST":
        require(actor, Permission.MANAGE_UNITS)
    if form.validate_on_submit():
        data = UnitInput(
            code=form.code.data,
            name_zh=form.name_zh.data,
            name_en=form.name_en.data or "",
            category=form.category.data,
            headcount=form.headcount.data,
            leader_id=form.leader_id.data or None,
        )
        try:
            save_unit(db_session(), actor=actor, year=year, data=data, now=utcnow())
        except InvalidInput as error:
            _attach_errors(form, error)
        else:
            db.session.commit()
            flash(_("Unit %(code)s saved.", code=data.code.upper()), "success")
            return redirect(url_for("admin.units"))
    return render_template(
        "admin/units.html",
        form=form,
        year=year,
        memberships=memberships(db_session(), year),
        can_edit=actor.can(Permission.MANAGE_UNITS),
    )
