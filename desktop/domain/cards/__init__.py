"""Student cards [EE]: the rules, one module per concern; importers name the module.

- machines: the physical and the virtual card's state machines (R20, R22, R31), roster removal;
- validity: 31 Aug, extension and expiry (R4, R21);
- activation: the Smart-ID check for the virtual card (R26, R34);
- numbering: physical card numbers (R23) and the school's prefix;
- events: what the provider is told (R7, R21, R24, R25);
- outbox: delivery order and retries;
- photos: the limits for a printed card's photo.

Pure rules: no Qt, no SQL, no I/O. The cards service stores what these functions return.
"""
