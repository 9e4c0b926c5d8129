"""Consent and data protection, one module per topic; import from the module itself:

- `terms`: terms versions and acceptance records (R44, R45, R49–R51, R55)
- `ages`: age rules as data (R6, R46–R48)
- `working_days`: public holidays and working-day deadlines (R3, R35)
- `requests`: data-subject requests and their deadlines (R57–R59)
- `codes`: the MojArhiv export code and the onboarding security code (R39, R40)
- `deletion`: Moodle account deletion requests (R19, R61)
- `retention`: retention periods and purge proposals (R17, R35, R64, R67, R116)
- `prohibition`: the adult student's prohibition (R48, R100)
- `notices`: what the letters that stop contact must and must not carry (R15, R101)
- `breaches`: breach notification (R69, R70)
- `common`: what they share (ids, the school's local day, settings checks)

Pure functions over plain values: no Qt, no SQL, no I/O. Services read the facts from the
database, call these functions and store what comes back. What a school may want to tune (age
rules, retention periods, the holiday table, code lifetimes) is data with a to_dict/from_dict pair,
not code. Nothing here decides anything with legal effect on its own: deletions and purges come
back as proposals that a person confirms (R67).
"""
