"""The host evaluation (O2.1.1): the price catalog with the blueprint's own prices over it
(``prices``), each host of the workload sized for every placement (``sizing``), and the
placements priced over the period (``costing``)."""

from sigen.compile.evaluation.costing import host_evaluation

__all__ = ["host_evaluation"]
