"""db upgrade, school init, staff and demo commands."""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import replace
from pathlib import Path

from desktop.cli.common import database_url, services_for
from desktop.domain.errors import ValidationError
from desktop.domain.roles import Role
from desktop.domain.roster import Country

# Handlers import the database, services and documents inside the function: each command
# loads only what it uses, and --help or a wrong argument loads none of it.


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
    provision = db.add_parser(
        "provision",
        help="set up a PostgreSQL database for personal staff logins: group roles, grants and "
        "the first administrator (run with the owner's login, e.g. --database "
        "postgresql://owner@server/db; safe to run again)",
    )
    provision.add_argument("--admin", metavar="LOGIN", help="the first administrator's login")
    provision.add_argument("--admin-name", default="", help="the administrator's full name")
    provision.add_argument(
        "--existing-role",
        action="store_true",
        help="the administrator's login is an existing database role (Kerberos, SSPI, "
        "certificates): no password is made",
    )
    provision.add_argument("--prefix", help="the group roles' prefix (default: the database name)")
    provision.set_defaults(handler=db_provision)
    plain = db.add_parser(
        "allow-unencrypted",
        help="allow (yes) or refuse (no) connections without TLS from other PCs to this "
        "school's database server (administrators)",
    )
    plain.add_argument("allowed", choices=["yes", "no"])
    plain.set_defaults(handler=db_allow_unencrypted)

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
    add.add_argument(
        "--existing-role",
        action="store_true",
        help="on a provisioned PostgreSQL database: map LOGIN to a database role IT already "
        "made (Kerberos, SSPI, certificates) instead of creating one with a password",
    )
    add.set_defaults(handler=staff_add)
    listing = staff.add_parser("list", help="list staff members and their roles")
    listing.set_defaults(handler=staff_list)
    deactivate = staff.add_parser(
        "deactivate",
        help="deactivate a staff member: on a provisioned database their login is locked and "
        "their open sessions end at once (administrators)",
    )
    deactivate.add_argument("login")
    deactivate.set_defaults(handler=staff_deactivate)
    reset = staff.add_parser(
        "reset-password",
        help="a new one-time password for a staff member's database login (administrators)",
    )
    reset.add_argument("login")
    reset.set_defaults(handler=staff_reset_password)
    password = staff.add_parser(
        "password",
        help="change your own database password (asked at the first login); it is kept only "
        "in your Windows Credential Manager",
    )
    password.add_argument(
        "--stdin", action="store_true", help="read the new password from standard input"
    )
    password.set_defaults(handler=staff_password)

    demo = commands.add_parser("demo", help="fill an empty database with a demo school")
    demo.add_argument("--country", type=str.upper, choices=["EE", "SI"], default="EE")
    demo.add_argument("--students", type=int, default=840)
    demo.add_argument("--seed", type=int, default=2026)
    demo.set_defaults(handler=demo_fill)


def db_upgrade(args: argparse.Namespace) -> int:
    from desktop.db.engine import safe_url
    from desktop.services.container import open_database

    url = database_url(args)
    open_database(url).dispose()
    print(f"database {safe_url(url)} is up to date")
    return 0


def db_backup(args: argparse.Namespace) -> int:
    from desktop.db.backup import backup
    from desktop.single_instance import hold_app_mutex

    hold_app_mutex()  # a scheduled backup: the installer waits for it as for the app
    result = backup(database_url(args), args.file, overwrite=args.overwrite)
    print(
        f"backed up to {result.path} ({result.size / 1e6:.1f} MB, "
        f"schema {', '.join(result.revisions)})"
    )
    return 0


def db_restore(args: argparse.Namespace) -> int:
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

    with services_for(args) as services:
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
    with services_for(args) as services:
        profile = services.school.update(
            replace(services.school.require_school(), **changes), logo=logo
        )
    print(f"updated school {profile.name}")
    return 0


def staff_add(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        record = services.staff.add(
            args.login, args.name, {Role(r) for r in args.role}, existing_role=args.existing_role
        )
    print(f"added {record.login} with roles {', '.join(sorted(r.value for r in record.roles))}")
    if record.initial_password:
        _print_one_time_password(record.login, record.initial_password)
    return 0


def _print_one_time_password(login: str, password: str) -> None:
    print(
        f"one-time password for {login}: {password}\n"
        "  It is shown only now. Give it to them in person; School Office asks them for a new "
        "one at their first start."
    )


def staff_deactivate(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        services.staff.deactivate(args.login)
    print(f"deactivated {args.login}")
    return 0


def staff_reset_password(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        password = services.staff.reset_password(args.login)
    _print_one_time_password(args.login, password)
    return 0


def staff_password(args: argparse.Namespace) -> int:
    from desktop.db.engine import normalise_url
    from desktop.integrations.secrets import database_secret_key, set_secret
    from desktop.services.container import open_database
    from desktop.services.staff import change_own_password, resolve_actor

    if args.stdin:
        new = sys.stdin.readline().rstrip("\n")
    else:
        new = getpass.getpass("New password (at least 12 characters): ")
        if getpass.getpass("The same again: ") != new:
            raise ValidationError("password", "", "the two passwords differ")
    url = normalise_url(database_url(args))

    def remember(password: str) -> None:
        key = database_secret_key(url.username or "", url.host or "", url.port, url.database or "")
        set_secret(key, password)

    db = open_database(url.render_as_string(hide_password=False))
    try:
        actor = resolve_actor(db)
        change_own_password(db, actor, new, remember)
    finally:
        db.dispose()
    print(f"the password of {actor.login} is changed and kept in this computer's password store")
    return 0


def db_provision(args: argparse.Namespace) -> int:
    from desktop.db.access.names import group_role
    from desktop.db.access.provisioning import provision
    from desktop.services.container import open_database

    db = open_database(database_url(args))  # brings the schema up to date as the owner
    try:
        report = provision(
            db.engine,
            args.admin,
            admin_name=args.admin_name,
            admin_existing_role=args.existing_role,
            prefix=args.prefix,
        )
    finally:
        db.dispose()
    state = "provisioned" if report.first_time else "provisioning checked and renewed"
    print(f"database {report.database} {state}; owner {report.owner}")
    print(
        "group roles: "
        + ", ".join(group_role(report.prefix, r) for r in Role)
        + (f" (new: {', '.join(report.groups_created)})" if report.groups_created else "")
    )
    if report.revoked_from:
        print(
            "privileges on the app's tables taken from: "
            + ", ".join(report.revoked_from)
            + " (the shared login of before: each person now has their own)"
        )
    for login, password in report.logins.items():
        if password is None:
            print(f"{login}: uses an existing database login")
        else:
            _print_one_time_password(login, password)
    for login in report.skipped:
        print(f"{login}: not given a login (the owner, a superuser or a role administrator)")
    if not report.can_end_sessions:
        print(
            f"warning: {report.owner} cannot end other sessions: deactivating a staff member "
            "will lock their login but not close an app already open. As a superuser run: "
            f"GRANT pg_signal_backend TO {report.owner};"
        )
    return 0


def db_allow_unencrypted(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        services.staff.allow_unencrypted(args.allowed == "yes")
    print(
        "connections without TLS are now "
        + ("allowed" if args.allowed == "yes" else "refused")
        + " for this school's database"
    )
    return 0


def staff_list(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        records = services.staff.list()
    for record in records:
        state = "" if record.active else " (inactive)"
        print(f"{record.login}\t{record.full_name}\t{','.join(sorted(record.roles))}{state}")
    return 0


def demo_fill(args: argparse.Namespace) -> int:
    from desktop.services.demo import DemoService

    with services_for(args) as services:
        count = DemoService(services.db, services.actor).fill(
            Country(args.country), args.students, args.seed
        )
    print(f"demo school ready with {count} students")
    return 0
