"""Who a container is, as a runtime wrapper or OCI hook can tell before it starts.

The OCI bundle (``config.json``) carries annotations: CRI-O and containerd put the
Kubernetes identity there (``io.kubernetes.*``), CRI-O also the image and pod labels.
Docker (20.10) puts none of it in the bundle, but its own record of the container,
``config.v2.json``, lies beside the ``/etc/hostname`` file it bind-mounts into the
container, so the name, image and labels are read from there; asking dockerd's API from
inside its own container start would wait on the lock that start holds.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotfence.containers.engine import k8s_identity

CRIO_IMAGE = "io.kubernetes.cri-o.ImageName"
CRIO_POD_LABELS = "io.kubernetes.cri-o.Labels"
CRIO_NAME = "io.kubernetes.cri-o.ContainerName"
PODMAN_NAME = "io.podman.annotations.name"  # not always set; podman names come via the API


@dataclass(frozen=True)
class ContainerMeta:
    id: str
    name: str = ""
    image: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # labels and annotations together
    k8s_namespace: str = ""
    k8s_pod: str = ""
    pod_labels: dict[str, str] = field(default_factory=dict)
    source: str = ""  # where the identity came from, for messages

    def text(self) -> str:
        return f"container {self.name or '?'} ({self.id[:12]}, image {self.image or '?'})"


def _docker_record(config: dict[str, Any]) -> Path | None:
    for m in config.get("mounts") or []:
        if m.get("destination") == "/etc/hostname" and m.get("source"):
            record = Path(m["source"]).parent / "config.v2.json"
            if record.is_file():
                return record
    return None


def from_bundle(config: dict[str, Any], container_id: str) -> ContainerMeta:
    """The identity of the container a bundle's ``config.json`` describes."""
    annotations: dict[str, str] = dict(config.get("annotations") or {})
    labels = dict(annotations)
    name = annotations.get(CRIO_NAME) or annotations.get(PODMAN_NAME) or ""
    image = annotations.get(CRIO_IMAGE, "")
    source = "OCI annotations"
    record = _docker_record(config)
    if record is not None:
        doc = json.loads(record.read_text())
        cfg = doc.get("Config") or {}
        name = (doc.get("Name") or "").lstrip("/") or name
        image = cfg.get("Image") or image
        labels.update(cfg.get("Labels") or {})
        source = str(record)
    k8s = k8s_identity(labels)
    pod_labels: dict[str, str] = {}
    if annotations.get(CRIO_POD_LABELS):
        try:
            pod_labels = dict(json.loads(annotations[CRIO_POD_LABELS]))
        except (ValueError, TypeError):
            pod_labels = {}
    return ContainerMeta(
        id=container_id,
        name=name or (k8s.container or "" if k8s else ""),
        image=image,
        labels=labels,
        k8s_namespace=k8s.namespace if k8s else "",
        k8s_pod=k8s.pod if k8s else "",
        pod_labels=pod_labels,
        source=source,
    )


def _globs(want: dict[str, str], have: dict[str, str]) -> bool:
    return all(k in have and fnmatch.fnmatchcase(have[k], v) for k, v in want.items())


def matches(selector: Mapping[str, Any], meta: ContainerMeta) -> bool:
    """Whether every field a policy's ``spec.selector`` names matches the container.

    ``selector`` is the validated selector as plain data (``Selector.model_dump()``), so
    that the wrapper can match without loading the policy schema for every container.
    """
    name, image, labels = selector.get("name"), selector.get("image"), selector.get("labels")
    if name is not None and not fnmatch.fnmatchcase(meta.name, name):
        return False
    if image is not None and not fnmatch.fnmatchcase(meta.image, image):
        return False
    if labels is not None and not _globs(labels, meta.labels):
        return False
    k = selector.get("k8s")
    if k is not None:
        if not meta.k8s_namespace:
            return False
        if k.get("namespace") is not None and not fnmatch.fnmatchcase(
            meta.k8s_namespace, k["namespace"]
        ):
            return False
        if k.get("pod") is not None and not fnmatch.fnmatchcase(meta.k8s_pod, k["pod"]):
            return False
        if k.get("podLabels") is not None and not _globs(k["podLabels"], meta.pod_labels):
            return False
    return True
