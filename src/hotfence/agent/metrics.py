"""The agent's Prometheus metrics, read from the kernel at each scrape.

Per fence and rule: hits and denies (the pinned per-CPU counters, summed), per fence the
events its ring buffer lost; fences by state (``active``: every hook's link pinned,
else ``detached``); the agent's applies, apply errors and removals.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hotfence.agent.core import Agent


class AgentCollector(Collector):
    def __init__(self, agent: Agent):
        self.agent = agent

    def collect(self) -> Iterator[Metric]:
        from hotfence.fence.backends import cgroup as backend

        labels = ["cgroup", "container", "policy", "rule"]
        hits = CounterMetricFamily("hotfence_rule_hits", "Calls a rule matched.", labels=labels)
        denies = CounterMetricFamily(
            "hotfence_rule_denies",
            "Calls a rule denied (would deny, in audit mode).",
            labels=labels,
        )
        lost = CounterMetricFamily(
            "hotfence_lost_events",
            "Deny/audit events the fence's ring buffer could not hold.",
            labels=["cgroup", "container", "policy"],
        )
        states = GaugeMetricFamily("hotfence_fences", "Fences on this host.", labels=["state"])
        with self.agent.lock:
            ours = {f.cgroup_id: f for f in self.agent.fenced.values()}
            stats = self.agent.stats
        count = {"active": 0, "detached": 0}
        for a in backend.applied():
            count["active" if a.active else "detached"] += 1
            f = ours.get(a.cgroup_id)
            if f is None or a.state is None:
                continue
            maps = backend.FenceMaps.from_pins(a.pin_dir)
            try:
                counts, st = maps.counters(), maps.stats()
            finally:
                maps.close()
            names = {r["rule_id"]: r["name"] for r in a.state.rules}
            for rule_id, c in sorted(counts.items()):
                rule = names.get(rule_id, "default")
                hits.add_metric([f.cgroup, f.name, f.policy, rule], c.hits)
                denies.add_metric([f.cgroup, f.name, f.policy, rule], c.denies)
            lost.add_metric([f.cgroup, f.name, f.policy], st.lost)
        for state, n in count.items():
            states.add_metric([state], n)
        yield from (hits, denies, lost, states)
        for name, value, doc in (
            ("hotfence_agent_applies", stats.applies, "Fences the agent applied."),
            (
                "hotfence_agent_apply_errors",
                stats.apply_errors,
                "Fences the agent failed to apply.",
            ),
            ("hotfence_agent_removals", stats.removals, "Fences the agent removed."),
        ):
            yield CounterMetricFamily(name, doc, value=value)
