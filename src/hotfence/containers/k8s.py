"""Where runtimes record a container's Kubernetes identity (labels or OCI annotations).

A leaf with no imports: ``hotfence-runc create`` reads it for every container it starts.
"""

from __future__ import annotations

# dockershim / cri-dockerd labels and CRI-O annotations use the first key of each pair,
# containerd's CRI plugin the second.
K8S_KEYS = {
    "namespace": ("io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace"),
    "pod": ("io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name"),
    "container": ("io.kubernetes.container.name", "io.kubernetes.cri.container-name"),
}


def k8s_fields(labels: dict[str, str]) -> tuple[str, str, str | None] | None:
    """(namespace, pod, container name) a runtime recorded; None without namespace and pod."""
    found = {
        field_: next((labels[k] for k in keys if labels.get(k)), None)
        for field_, keys in K8S_KEYS.items()
    }
    namespace, pod = found["namespace"], found["pod"]
    if not namespace or not pod:
        return None
    return namespace, pod, found["container"]
