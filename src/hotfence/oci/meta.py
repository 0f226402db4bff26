"""Who a container is, as a runtime wrapper or OCI hook can tell before it starts.

The OCI bundle (``config.json``) carries annotations: CRI-O and containerd put the
Kubernetes identity there (``io.kubernetes.*``), CRI-O also the image and pod labels.
Docker (20.10) puts none of it in the bundle, but its own record of the container,
``config.v2.json``, lies beside the ``/etc/hostname`` file it bind-mounts into the
container, so the name, image and labels are read from there; asking dockerd's API from
inside its own container start would wait on the lock that start holds.

``hotfence-runc create`` runs this for every container, so it imports only os, json and
fnmatch: no dataclasses, pathlib or typing at run time (together they cost more start-up
than the rest of a create; ``benchmarks/runtime_calls.py``).
"""

from __future__ import annotations

import fnmatch
import json
import os

from hotfence.containers.k8s import k8s_fields

# typing itself costs start-up; mypy reads any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

CRIO_IMAGE = "io.kubernetes.cri-o.ImageName"
CRIO_POD_LABELS = "io.kubernetes.cri-o.Labels"
CRIO_NAME = "io.kubernetes.cri-o.ContainerName"
PODMAN_NAME = "io.podman.annotations.name"  # not always set; podman names come via the API


class ContainerMeta:
    """Who a container is, for selectors (a plain class: see the module's note on imports)."""

    __slots__ = (
        "id",
        "name",
        "image",
        "labels",
        "k8s_namespace",
        "k8s_pod",
        "pod_labels",
        "source",
    )

    def __init__(
        self,
        id: str,
        name: str = "",
        image: str = "",
        labels: dict[str, str] | None = None,  # labels and annotations together
        k8s_namespace: str = "",
        k8s_pod: str = "",
        pod_labels: dict[str, str] | None = None,
        source: str = "",  # where the identity came from, for messages
    ) -> None:
        self.id = id
        self.name = name
        self.image = image
        self.labels: dict[str, str] = labels or {}
        self.k8s_namespace = k8s_namespace
        self.k8s_pod = k8s_pod
        self.pod_labels: dict[str, str] = pod_labels or {}
        self.source = source

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContainerMeta) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable dicts inside

    def __repr__(self) -> str:
        return (
            "ContainerMeta(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__) + ")"
        )

    def text(self) -> str:
        return f"container {self.name or '?'} ({self.id[:12]}, image {self.image or '?'})"


def _docker_record(config: dict[str, Any]) -> str | None:
    for m in config.get("mounts") or []:
        if m.get("destination") == "/etc/hostname" and m.get("source"):
            record = os.path.join(os.path.dirname(m["source"]), "config.v2.json")
            if os.path.isfile(record):
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
        with open(record, "rb") as f:
            doc = json.load(f)
        cfg = doc.get("Config") or {}
        name = (doc.get("Name") or "").lstrip("/") or name
        image = cfg.get("Image") or image
        labels.update(cfg.get("Labels") or {})
        source = str(record)
    k8s = k8s_fields(labels)
    pod_labels: dict[str, str] = {}
    if annotations.get(CRIO_POD_LABELS):
        try:
            pod_labels = dict(json.loads(annotations[CRIO_POD_LABELS]))
        except (ValueError, TypeError):
            pod_labels = {}
    return ContainerMeta(
        id=container_id,
        name=name or (k8s[2] or "" if k8s else ""),
        image=image,
        labels=labels,
        k8s_namespace=k8s[0] if k8s else "",
        k8s_pod=k8s[1] if k8s else "",
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
