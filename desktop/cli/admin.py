"""db upgrade, school init, staff and demo commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.domain.errors import ValidationError
from desktop.domain.roles import Role
from desktop.domain.roster import Country


def register(commands) -> None:
    db = commands.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", metavar="ACTION", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply pending schema migrations")
    upgrade.set_defaults(handler=db_upgrade)
    backup = db.add_parser(
        "backup", help="copy the embedded SQLite database to FILE (safe while the app is open)"
    )
    backup.add_argument("file", type=Path)
    backup.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    backup.set_defaults(handler=db_backup)
    restore = db.add_parser(
        "restore",
        help="replace the embedded SQLite database with a backup (close the app first); "
        "the replaced database is kept next to it",
    )
    restore.add_argument("file", type=Path)
    restore.set_defaults(handler=db_restore)

    school = commands.add_parser("school", help="the school profile").add_subparsers(
        dest="school_command", metavar="ACTION", required=True
    )
    init = school.add_parser("init", help="create the school profile")
    init.add_argument("--name", required=True)
    init.add_argument("--country", required=True, type=str.upper, choices=["EE", "SI"])
    init.add_argument("--street", default="")
    init.add_argument("--postal-code", default="")
    init.add_argument("--city", default="")
    init.add_argument("--registry-code", default="")
    init.set_defaults(handler=school_init)
    update = school.add_parser(
        "update", help="change the school profile printed on every letter (administrators)"
    )
    for option in ("name", "street", "postal-code", "city", "registry-code", "phone", "email"):
        update.add_argument(f"--{option}")
    update.add_argument("--logo", type=Path, help="PNG or JPEG for the letterhead")
    update.set_defaults(handler=school_update)

    staff = commands.add_parser("staff", help="staff accounts and roles").add_subparsers(
        dest="staff_command", metavar="ACTION", required=True
    )
    add = staff.add_parser("add", help="add a staff member (administrators only)")
    add.add_argument("login", help="the person's Windows login name")
    add.add_argument("--name", default="", help="full name")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="repeat for several roles",
    )
    add.set_defaults(handler=staff_add)
    listing = staff.add_parser("list", help="list staff members and their roles")
    listing.set_defaults(handler=staff_list)

    demo = commands.add_parser("demo", help="fill an empty database with a demo school")
    demo.add_argument("--country", type=str.upper, choices=["EE", "SI"], default="EE")
    demo.add_argument("--students", type=int, default=840)
    demo.add_argument("--seed", type=int, default=2026)
    demo.set_defaults(handler=demo_fill)


def _services(args: argparse.Namespace):
    from desktop.cli import services_for  # the package imports this module: import late

    return services_for(args)


def db_upgrade(args: argparse.Namespace) -> int:
    from desktop.cli import database_url
    from desktop.db.engine import safe_url
    from desktop.services.container import open_database

    url = database_url(args)
    open_database(url).dispose()
    print(f"database {safe_url(url)} is up to date")
    return 0


def db_backup(args: argparse.Namespace) -> int:
    from desktop.cli import database_url
    from desktop.db.backup import backup

    result = backup(database_url(args), args.file, overwrite=args.overwrite)
    print(
        f"backed up to {result.path} ({result.size / 1e6:.1f} MB, "
        f"schema {', '.join(result.revisions)})"
    )
    return 0


def db_restore(args: argparse.Namespace) -> int:
    from desktop.cli import database_url
    from desktop.db.backup import restore
    from desktop.services.container import open_database

    url = database_url(args)
    result = restore(url, args.file)
    if result.kept is not None:
        print(f"the replaced database is kept as {result.kept}")
    open_database(url).dispose()  # an older backup's schema is brought up to date now
    print(f"restored {args.file} into {result.database}")
    return 0


def school_init(args: argparse.Namespace) -> int:
    from desktop.services.school import SchoolProfile

    with _services(args) as services:
        profile = services.school.create(
            SchoolProfile(
                args.name,
                Country(args.country),
                args.street,
                args.postal_code,
                args.city,
                args.registry_code,
            )
        )
    print(f"created school {profile.name} ({profile.country.value})")
    return 0


def school_update(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from desktop.services.school import check_logo

    logo = None
    if args.logo is not None:
        try:
            data = args.logo.read_bytes()
        except OSError as exc:
            reason = exc.strerror or "cannot be read"
            raise ValidationError("logo", str(args.logo), reason) from None
        logo = check_logo(data, args.logo.name)
    changes = {
        field: value
        for field in ("name", "street", "postal_code", "city", "registry_code", "phone", "email")
        if (value := getattr(args, field)) is not None
    }
    with _services(args) as services:
        profile = services.school.update(
            replace(services.school.require_school(), **changes), logo=logo
        )
    print(f"updated school {profile.name}")
    return 0


def staff_add(args: argparse.Namespace) -> int:
    with _services(args) as services:
        record = services.staff.add(args.login, args.name, {Role(r) for r in args.role})
    print(f"added {record.login} with roles {', '.join(sorted(r.value for r in record.roles))}")
    return 0


def staff_list(args: argparse.Namespace) -> int:
    with _services(args) as services:
        records = services.staff.list()
    for record in records:
        state = "" if record.active else " (inactive)"
        print(f"{record.login}\t{record.full_name}\t{','.join(sorted(record.roles))}{state}")
    return 0


def demo_fill(args: argparse.Namespace) -> int:
    from desktop.services.demo import DemoService

    with _services(args) as services:
        count = DemoService(services.db, services.actor).fill(
            Country(args.country), args.students, args.seed
        )
    print(f"demo school ready with {count} students")
    return 0
