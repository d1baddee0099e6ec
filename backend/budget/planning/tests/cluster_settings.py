"""Settings of the Django-Q2 cluster that `test_qcluster` starts: the test settings, whose
database and broker come from the environment, and a guard cycle of 30 s.

The cluster's guard loop calls the scheduler once its cycles add up to 30 s, and only then;
with one cycle of 30 s that is at once, so a schedule that is due runs within a second
instead of after half a minute. The guard still stops at once on SIGTERM."""

from config.settings.test import *  # noqa: F403

Q_CLUSTER = {**Q_CLUSTER, "guard_cycle": 30}  # noqa: F405
