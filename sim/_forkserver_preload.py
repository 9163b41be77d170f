"""Imported by the multiprocessing forkserver when it starts: it dies with the process that started it
(see :func:`sim.procs.die_with_parent`), so a killed ``sim sweep`` leaves no forkserver or pool workers."""

from sim.procs import die_with_parent

die_with_parent()
