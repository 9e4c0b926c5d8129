"""Personal PostgreSQL logins and the role matrix enforced by the server (R119, R121, R122).

On a provisioned PostgreSQL database every staff member has their own login role; the app
identifies them by the server-verified `session_user`, never by environment variables. Each
app role is a group role (`<prefix>_office`, `_billing`, `_authorised`, `_admin`) whose GRANTs
follow the role matrix, so psql with an office login cannot read payments either. The schema
belongs to the owner role, used only by `db upgrade` and `db provision`.

Creating, changing and deactivating logins needs CREATEROLE, which the administrators' logins
do not have: they call SECURITY DEFINER functions owned by the owner role, which do exactly
that and nothing more (only this database's group roles, never a superuser or the owner).
Passwords are sent to the server as SCRAM-SHA-256 verifiers, so no plain password can reach a
server log.

On the embedded SQLite file (one Windows user, one PC) the OS account is the identity.

The package: `names` (group role names, passwords), `grants` (the matrix and applying it),
`functions` (the SECURITY DEFINER functions), `provisioning` (`db provision`, the refresh
after `db upgrade`), `server` (who this connection is, TLS: R120), `login_events` (R116) and
`sql` (quoting and DDL).
"""
