"""Who is acting, passed explicitly to every service."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.auth.roles import ADMIN_ROLES, Permission, Role, permissions_of


@dataclass(frozen=True)
class RoleScope:
    """One role an account holds, scoped to a unit where the role belongs to a unit."""

    role: Role
    unit_id: int | None = None


@dataclass(frozen=True)
class Actor:
    """A signed-in user, or the system itself (scheduler, diagrams, CLI)."""

    user_id: int | None
    name: str
    grants: frozenset[RoleScope] = field(default_factory=frozenset)
    client_addr: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The system acting on its own behalf, e.g. a timer or a CLI command."""
        return cls(user_id=None, name=name)

    @property
    def is_system(self) -> bool:
        """True for the system actor, which is not a person."""
        return self.user_id is None

    @property
    def roles(self) -> frozenset[Role]:
        """The roles held, whatever their scope."""
        return frozenset(grant.role for grant in self.grants)

    @property
    def is_admin(self) -> bool:
        """True for the three separated administrators."""
        return bool(self.roles & ADMIN_ROLES)

    def can(self, permission: Permission) -> bool:
        """Whether any held role carries the permission."""
        return any(permission in permissions_of(role) for role in self.roles)

    def unit_ids_for(self, *roles: Role) -> frozenset[int]:
        """The units in which the actor holds any of `roles`."""
        return frozenset(
            grant.unit_id
            for grant in self.grants
            if grant.role in roles and grant.unit_id is not None
        )
