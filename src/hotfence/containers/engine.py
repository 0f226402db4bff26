"""Container engines through their own APIs: the Docker Engine API (``docker`` SDK).

Podman serves the same API on its socket, so one client covers both. Endpoints, in
order: ``$DOCKER_HOST`` if set (then only it), else whichever of
``/var/run/docker.sock`` and ``/run/podman/podman.sock`` exist.
containerd's own API (gRPC) has no maintained Python client; a containerd container is
named by ``--pid`` or its cgroup path instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hotfence.containers.cgroups import ContainerError
from hotfence.containers.k8s import k8s_fields

DEFAULT_SOCKETS = (Path("/var/run/docker.sock"), Path("/run/podman/podman.sock"))
CONTAINER_ID = re.compile(r"(?<![0-9a-f])([0-9a-f]{64})(?![0-9a-f])")


@dataclass(frozen=True)
class K8sIdentity:
    namespace: str
    pod: str
    container: str | None


def k8s_identity(labels: dict[str, str]) -> K8sIdentity | None:
    """The pod namespace / name / container name a runtime recorded, if any."""
    found = k8s_fields(labels)
    return None if found is None else K8sIdentity(*found)


@dataclass(frozen=True)
class ContainerInfo:
    """What every output says about a container (``container: {...}``)."""

    id: str
    name: str
    image: str
    runtime: str  # the OCI runtime the engine uses for it (runc, hotfence, crun...)
    engine: str  # the endpoint that answered
    pid: int  # host pid of its init process, 0 when not running
    cgroupns: str  # "host" | "private" | "" (unknown)
    labels: dict[str, str] = field(default_factory=dict)
    k8s: K8sIdentity | None = None

    def summary(self) -> dict[str, Any]:
        """The ``container`` object of JSON outputs."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "image": self.image,
            "runtime": self.runtime,
        }
        if self.k8s is not None:
            out["k8s"] = asdict(self.k8s)
        return out

    def warnings(self) -> list[str]:
        """What an operator must know about fencing this container."""
        from hotfence.containers.cgroups import cgroupns_is_host

        if not self.pid:
            return []
        if self.cgroupns == "host" or (not self.cgroupns and cgroupns_is_host(self.pid)):
            return [
                f"container {self.name} shares the host cgroup namespace: with CAP_SYS_ADMIN it "
                "can mount cgroup2 and move itself out of the fenced cgroup; run it with "
                "--cgroupns private (see docs/containers.md)"
            ]
        return []

    def text(self) -> str:
        k8s = f", pod {self.k8s.namespace}/{self.k8s.pod}" if self.k8s else ""
        return f"container {self.name} ({self.id[:12]}, image {self.image}, runtime {self.runtime}{k8s})"


def endpoints() -> list[str]:
    if os.environ.get("DOCKER_HOST"):
        return [os.environ["DOCKER_HOST"]]
    return [f"unix://{s}" for s in DEFAULT_SOCKETS if s.exists()]


def running_names(timeout: int = 2) -> list[str]:
    """Names of the running containers of every engine found, for shell completion.

    Completion runs on each Tab press: a missing or stuck engine gives no names within
    ``timeout`` seconds per engine, never an error.
    """
    names: list[str] = []
    for ep in endpoints():
        try:
            import docker

            api = docker.APIClient(base_url=ep, version="auto", timeout=timeout)
            for c in api.containers(filters={"status": "running"}):
                names += [n.lstrip("/") for n in c.get("Names") or []]
        except Exception:
            continue
    return sorted(set(names))


def _client(base_url: str) -> Any:
    import docker  # imported here: only container look-ups pay for it

    return docker.DockerClient(base_url=base_url, version="auto", timeout=10)


def _info(c: Any, endpoint: str) -> ContainerInfo:
    attrs = c.attrs
    host = attrs.get("HostConfig") or {}
    config = attrs.get("Config") or {}
    labels = dict(config.get("Labels") or {})
    name = (attrs.get("Name") or "").lstrip("/")
    return ContainerInfo(
        id=attrs["Id"],
        name=name,
        image=config.get("Image") or attrs.get("Image", ""),
        runtime=host.get("Runtime") or "",
        engine=endpoint,
        pid=int((attrs.get("State") or {}).get("Pid") or 0),
        cgroupns=host.get("CgroupnsMode") or "",
        labels=labels,
        k8s=k8s_identity(labels),
    )


def _clients() -> Iterator[tuple[str, Any]]:
    eps = endpoints()
    if not eps:
        raise ContainerError(
            "no container engine found: set DOCKER_HOST, or start Docker "
            f"({DEFAULT_SOCKETS[0]}) or the Podman API service ({DEFAULT_SOCKETS[1]})"
        )
    for ep in eps:
        try:
            client = _client(ep)
        except Exception as exc:  # the SDK raises DockerException subclasses and OSErrors
            raise ContainerError(f"cannot reach the container engine at {ep}: {exc}") from None
        yield ep, client


def find_container(name_or_id: str) -> ContainerInfo:
    """The container named ``name_or_id`` (a name, a full id or a unique id prefix)."""
    import docker.errors

    found: list[ContainerInfo] = []
    names: list[str] = []
    for ep, client in _clients():
        try:
            try:
                found.append(_info(client.containers.get(name_or_id), ep))
            except docker.errors.NotFound:
                names += [n for c in client.containers.list(all=True) for n in (c.name, c.id[:12])]
            except docker.errors.APIError as exc:
                # An ambiguous id prefix is a 404 "multiple IDs found" too, or a 400.
                raise ContainerError(f"--container {name_or_id}: {exc.explanation}") from None
        except ContainerError:
            raise
        except Exception as exc:  # the SDK's errors, and requests' for a dead socket
            raise ContainerError(f"container engine at {ep}: {exc}") from None
        finally:
            client.close()
    if len(found) > 1:
        raise ContainerError(
            f"--container {name_or_id}: found on more than one engine "
            f"({', '.join(f.engine for f in found)}); set DOCKER_HOST to choose"
        )
    if not found:
        import difflib

        close = difflib.get_close_matches(name_or_id, names, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ContainerError(f"--container {name_or_id}: no such container{hint}")
    return found[0]


def container_of_cgroup(path: str) -> ContainerInfo | None:
    """The container whose id appears in a cgroup path (``/docker/<id>``,
    ``/system.slice/docker-<id>.scope``, ``libpod-<id>``...), if an engine knows it."""
    ids = CONTAINER_ID.findall(path)
    if not ids:
        return None

    try:
        for ep, client in _clients():
            try:
                return _info(client.containers.get(ids[-1]), ep)
            except Exception:  # best effort: a dead or foreign engine only leaves it unnamed
                continue
            finally:
                client.close()
    except ContainerError:
        return None
    return None
