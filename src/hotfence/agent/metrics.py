"""The agent's Prometheus metrics, read from the kernel at each scrape.

Per fence and rule: hits, and denies (enforce mode) or audits (audit mode: the calls it
would deny), from the pinned per-CPU counters summed; per fence the events its ring
buffer lost (the agent attaches one object per policy to its containers: their counters
are per container, their ring buffer and its losses the policy's); fences by state
(``active``: every hook's link pinned and the cgroup at its path still the one the fence
was made for, else ``detached``); per policy file whether it is invalid; the agent's applies, apply errors and removals; with a crash store, the
boot collection's runs, errors and crashes found and stored.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hotfence.agent.bootcollect import BootCollector
from hotfence.agent.core import Agent


class AgentCollector(Collector):
    def __init__(self, agent: Agent, boot: BootCollector | None = None):
        self.agent = agent
        self.boot = boot

    def collect(self) -> Iterator[Metric]:
        from hotfence.fence.backends import cgroup as backend
        from hotfence.fence.backends.maps import FenceMaps

        labels = ["cgroup", "container", "policy", "rule"]
        hits = CounterMetricFamily("hotfence_rule_hits", "Calls a rule matched.", labels=labels)
        denies = CounterMetricFamily(
            "hotfence_rule_denies",
            "Calls a rule denied (enforce mode).",
            labels=labels,
        )
        audits = CounterMetricFamily(
            "hotfence_rule_audits",
            "Calls a rule would deny, counted in audit mode instead of denied.",
            labels=labels,
        )
        lost = CounterMetricFamily(
            "hotfence_lost_events",
            "Deny/audit events the fence's ring buffer could not hold (the agent's fences "
            "of one policy share one ring buffer: each of them shows its count).",
            labels=["cgroup", "container", "policy"],
        )
        uncounted = CounterMetricFamily(
            "hotfence_uncounted_calls",
            "Calls the fence decided but could not count: their cgroup found the counter "
            "map the agent's fences of one policy share full (each of them shows the "
            "policy's count).",
            labels=["cgroup", "container", "policy"],
        )
        states = GaugeMetricFamily("hotfence_fences", "Fences on this host.", labels=["state"])
        host_ns = GaugeMetricFamily(
            "hotfence_fence_host_cgroupns",
            "1 for a fenced container sharing the host cgroup namespace (it can escape).",
            labels=["cgroup", "container", "policy"],
        )
        active = GaugeMetricFamily(
            "hotfence_fence_active",
            "1 while the kernel enforces the agent's fence on the container, else 0.",
            labels=["cgroup", "container", "policy"],
        )
        invalid = GaugeMetricFamily(
            "hotfence_policy_file_invalid",
            "1 for a policy file the agent rejected (its errors are in the log).",
            labels=["file"],
        )
        with self.agent.lock:
            ours = {f.cgroup_id: f for f in self.agent.fenced.values()}
            stats = self.agent.stats
            files = list(self.agent.files.values())
        for pf in files:
            invalid.add_metric([pf.path], 1 if pf.error else 0)
        count = {"active": 0, "detached": 0}
        live: set[int] = set()
        # Checked against the kernel: every link attached to the cgroup the fence was made
        # for, and that cgroup still the one at its path (not removed or re-created).
        for a, liveness in backend.status():
            if liveness.enforcing:
                live.add(a.cgroup_id)
            count["active" if a.cgroup_id in live else "detached"] += 1
            f = ours.get(a.cgroup_id)
            if f is None or a.state is None:
                continue
            maps = FenceMaps.from_pins(a.pin_dir)
            try:
                counts, st = maps.counters(a.cgroup_id), maps.stats()
            finally:
                maps.close()
            names = {r["rule_id"]: r["name"] for r in a.state.rules}
            for rule_id, c in sorted(counts.items()):
                rule = names.get(rule_id, "default")
                key = [f.cgroup, f.name, f.policy, rule]
                hits.add_metric(key, c.hits)
                denies.add_metric(key, c.denies if a.state.enforce else 0)
                audits.add_metric(key, 0 if a.state.enforce else c.denies)
            lost.add_metric([f.cgroup, f.name, f.policy], st.lost)
            uncounted.add_metric([f.cgroup, f.name, f.policy], st.uncounted)
            host_ns.add_metric([f.cgroup, f.name, f.policy], 1 if f.host_cgroupns else 0)
        for f in ours.values():  # a fence whose pins are gone is not enforced either
            active.add_metric([f.cgroup, f.name, f.policy], 1 if f.cgroup_id in live else 0)
        for state, n in count.items():
            states.add_metric([state], n)
        yield from (hits, denies, audits, lost, uncounted, states, active, host_ns, invalid)
        for name, value, doc in (
            ("hotfence_agent_applies", stats.applies, "Fences the agent applied."),
            (
                "hotfence_agent_apply_errors",
                stats.apply_errors,
                "Fences the agent failed to apply.",
            ),
            ("hotfence_agent_removals", stats.removals, "Fences the agent removed."),
            (
                "hotfence_agent_engine_reconnects",
                stats.reconnects,
                "Times the engine's event stream ended and the agent reconnected.",
            ),
        ):
            yield CounterMetricFamily(name, doc, value=value)
        if self.boot is not None:
            with self.boot.lock:
                b = self.boot.stats
                runs, errors, found, stored, done = b.runs, b.errors, b.found, b.stored, b.done
            for name, value, doc in (
                ("hotfence_agent_collect_runs", runs, "Runs of hotfence collect at start."),
                (
                    "hotfence_agent_collect_errors",
                    errors,
                    "Crash collections that failed or left a source unread (see the log).",
                ),
                ("hotfence_agent_collect_found", found, "Crash reports found by collection."),
                ("hotfence_agent_collect_stored", stored, "Of those, new to the crash store."),
            ):
                yield CounterMetricFamily(name, doc, value=value)
            yield GaugeMetricFamily(
                "hotfence_agent_collect_done",
                "1 once this boot's crashes are in the store.",
                value=1 if done else 0,
            )
