"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class UserForm(FlaskForm):  # type: ignore[misc]
    """A new account: it gets a temporary password to change at first sign-in."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Temporary password"), validators=[DataRequired()])


class PasswordResetForm(FlaskForm):  # type: ignore[misc]
    """A temporary password the user must change at the next sign-in."""

    password = PasswordField(_l("Temporary password"), validators=[DataRequired()])


class GrantForm(FlaskForm):  # type: ignore[misc]
    """A role for a user, with the unit for unit roles."""

    user_id = SelectField(_l("User"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"))  # choices are set per request, in the user's language
    unit_id = SelectField(_l("Unit (unit roles only)"), coerce=int, validators=[Optional()])


class UnitForm(FlaskForm):  # type: ignore[misc]
    """A unit and its membership in the year."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    category = SelectField(_l("Category"))  # choices are set per request
    headcount = IntegerField(_l("Civil-servant headcount"), validators=[NumberRange(0, 1_000_000)])
    leader_id = SelectField(_l("Leader in charge"), coerce=int, validators=[Optional()])
