"""Settings of the Django-Q2 cluster that `test_rates_fetch` starts: the test settings
(database, broker and RATES_URL from the environment) with a guard cycle of 30 s, so a
due schedule runs at once (see budget.planning.tests.cluster_settings)."""

from config.settings.test import *  # noqa: F403

Q_CLUSTER = {**Q_CLUSTER, "guard_cycle": 30}  # noqa: F405
