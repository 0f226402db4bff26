"""Prometheus export of the store: crash counts per group and host, read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hotfence.store import CrashStore


class StoreCollector(Collector):
    """Reads the store on every scrape, so the figures are never older than the scrape."""

    def __init__(self, store: CrashStore):
        self.store = store

    def collect(self) -> Iterator[Metric]:
        crashes = CounterMetricFamily(
            "hotfence_crashes",
            "Distinct crashes stored, per crash group (title) and host.",
            labels=["group", "host", "machine_id"],
        )
        hosts: set[str] = set()
        groups: set[str] = set()
        for c in self.store.group_host_counts():
            crashes.add_metric([c.title, c.hostname, c.machine_id], c.count)
            hosts.add(c.machine_id)
            groups.add(c.title)
        yield crashes
        yield GaugeMetricFamily("hotfence_crash_groups", "Crash groups in the store.", len(groups))
        yield GaugeMetricFamily(
            "hotfence_crashed_hosts", "Hosts with at least one stored crash.", len(hosts)
        )
