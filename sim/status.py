"""Worker status codes, the values of the ``status`` column of :class:`sim.workers.WorkerTable`."""

FREE, PERM, AGENCY, POOL = 0, 1, 2, 3
STATUS_NAMES = {FREE: "free slot", PERM: "permanent", AGENCY: "agency (placed)", POOL: "agency (between placements)"}
