"""Test configuration shared by every test.

Qt runs offscreen; database tests are parametrised over SQLite and, when
SCHOOL_OFFICE_TEST_PG_URL is set (CI sets it), PostgreSQL.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
