"""Billing rules for the Slovenian POPOLNI subscription (RULES.md §0, §6, §7: R5, R47, R72–R103),
one module per topic; import from the module itself:

- `vat`: integer cents, half-up rounding, the dated VAT rates and the VAT split (R5)
- `states`: tiers, the subscription state machine, refund policies per ending, settlement (R72,
  R76, R79, R83–R87)
- `policy`: the renewal calendar and the billing policy of a school year (R80, R81, R91)
- `prices`: the price table and the annual price (R78)
- `age`: the student who may act alone from 15 (R47, R90)
- `trials`: trial lengths, special offers and the trial plan (R89–R91)
- `due`: what the billing calendar makes due today, and the reminder fee (R80, R81, R91)
- `refunds`: outages and proportional refunds (R83, R84, R85, R88)
- `letters`: cancellation and withdrawal letters and their check against the order (R51, R96,
  R98, R102)
- `records`: the kinds, methods and channels the billing service records, and payment
  references (R67, R75, R77, R95)
- `cards`: card data that is never stored (R65)

Pure functions over dates and integer cents: no Qt, no SQL, no I/O. Services feed in the facts
they read from the database and act on what comes back.
"""
