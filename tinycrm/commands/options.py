"""Options shared by many commands, declared once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from ..context import Env
from ..output import OutputFormat

if TYPE_CHECKING:
    from ..store.contact_filter import ContactFilter

FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format.", case_sensitive=False),
]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, help="At most N rows.")]
TagOpt = Annotated[list[str] | None, typer.Option(
    "--tag", "-t", help="Only contacts with this tag (repeat: with all of them).")]
StageOpt = Annotated[str | None, typer.Option("--stage", help="Only contacts at this stage.")]
TierOpt = Annotated[str | None, typer.Option("--tier", help="Only contacts in this tier.")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", metavar="USER", help="Only this owner's.")]
MineOpt = Annotated[bool, typer.Option("--mine", help="Only yours (the --user).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Don't ask for confirmation.")]


class ListByDefault(TyperGroup):
    """A noun whose default is ``list``, options and all: ``tinycrm follow-up
    --overdue -f json`` is ``tinycrm follow-up list --overdue -f json``, as
    ``tinycrm follow-up`` alone is ``list``. (A group has no options of its
    own but ``--help``.)"""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and args[0].startswith("-") and args[0] not in ctx.help_option_names:
            args = ["list", *args]
        return super().parse_args(ctx, args)


def env_of(ctx: typer.Context) -> Env:
    return ctx.find_root().obj


def checked_owner(owner: str | None) -> str | None:
    """``--owner U`` as given; an empty one (``--owner "$WHO"`` with WHO
    unset) is a usage error, not everyone's or yours."""
    from ..store.textutil import one_line

    if owner is not None and one_line(owner) is None:
        raise typer.BadParameter("an empty name", param_hint="--owner")
    return owner


def not_blank(value: str | None, param_hint: str, *, what: str = "an empty value") -> str | None:
    """``value`` as given; an empty one (``--at "$WHEN"`` with WHEN unset) is
    a usage error, not the option left out."""
    if value is not None and not value.strip():
        raise typer.BadParameter(what, param_hint=param_hint)
    return value


def owner_filter(env: Env, owner: str | None, mine: bool) -> str | None:
    owner = checked_owner(owner)
    if mine and owner and owner != env.user:
        raise typer.BadParameter("--mine and --owner name different people")
    return env.user if mine else owner


def contact_filter(env: Env, tags: list[str] | None, stage: str | None, tier: str | None,
                   owner: str | None, mine: bool) -> ContactFilter:
    """The filters of `list`, `search` and `export`. A stage or tier that
    doesn't exist is an error (exit 2), not an empty result."""
    from ..store.contact_filter import ContactFilter
    from ..store.contact_values import clean_tag

    contacts = env.store().contacts
    # (An empty tag would filter nothing out: `--tag ""` is a mistake, as in `add`.)
    tags = [clean_tag(t, new=False) for t in tags] if tags else tags
    if stage is not None:
        contacts.check_stage(stage)
    if tier is not None:
        contacts.check_tier(tier)
    return ContactFilter(tag=tuple(tags) if tags else None, stage=stage, tier=tier,
                         owner=owner_filter(env, owner, mine))
