"""Options shared by many commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

from ..context import Env
from ..output import OutputFormat

FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format.", case_sensitive=False),
]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, help="At most N rows.")]
TagOpt = Annotated[str | None, typer.Option("--tag", help="Only contacts with this tag.")]
StageOpt = Annotated[str | None, typer.Option("--stage", help="Only contacts at this stage.")]
TierOpt = Annotated[str | None, typer.Option("--tier", help="Only contacts in this tier.")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", help="Only this owner's.")]
MineOpt = Annotated[bool, typer.Option("--mine", help="Only yours (the --user).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Don't ask for confirmation.")]


def env_of(ctx: typer.Context) -> Env:
    return ctx.find_root().obj


def owner_filter(env: Env, owner: str | None, mine: bool) -> str | None:
    if mine and owner and owner != env.user:
        raise typer.BadParameter("--mine and --owner name different people")
    return env.user if mine else owner
