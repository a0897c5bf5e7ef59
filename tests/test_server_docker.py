"""The Docker image, for real: a base image made from Debian packages (debootstrap, then
``docker import``; no registry is reachable), ``make docker-image`` built offline on it,
a server container and a worker container with no network that share the data volume,
and a correct and a wrong submission graded through the API."""

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from serverlib import A1, free_port, wait_graded

ROOT = Path(__file__).resolve().parent.parent
BASE_IMAGE = "course-grader-test-base:bookworm"
IMAGE = "course-grader:test"
GRADER_UID = 10001
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")

pytestmark = pytest.mark.slow


def docker(*args, check=True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check,
                          **kwargs)


def engine_answers() -> bool:
    return shutil.which("docker") is not None and docker("info", check=False).returncode == 0


@pytest.fixture(scope="module")
def docker_engine(tmp_path_factory):
    """The Docker engine; started here (as root, no bridge, no iptables) if none runs."""
    if engine_answers():
        yield
        return
    if shutil.which("dockerd") is None:
        pytest.skip("needs Debian's docker.io (make system-deps installs it)")
    if os.geteuid() != 0:
        pytest.skip("no Docker engine runs, and starting dockerd needs root")
    log = tmp_path_factory.mktemp("dockerd") / "dockerd.log"
    with open(log, "wb") as out:
        daemon = subprocess.Popen(["dockerd", "--bridge=none", "--iptables=false",
                                   "--ip6tables=false"], stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    deadline = time.monotonic() + 60
    while not engine_answers():
        assert daemon.poll() is None and time.monotonic() < deadline, \
            f"dockerd did not start:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
    yield
    os.killpg(daemon.pid, signal.SIGTERM)
    daemon.wait(30)


@pytest.fixture(scope="module")
def base_image(docker_engine, tmp_path_factory):
    """A Debian bookworm image with Python 3.11, from debootstrap (kept between runs)."""
    if docker("image", "inspect", BASE_IMAGE, check=False).returncode == 0:
        return BASE_IMAGE
    if shutil.which("debootstrap") is None:
        pytest.skip("needs Debian's debootstrap (make system-deps installs it)")
    root = tmp_path_factory.mktemp("rootfs") / "bookworm"
    subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv",
                    "bookworm", str(root), MIRROR], check=True, capture_output=True)
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout, check=True,
                   capture_output=True)
    assert tar.wait() == 0
    shutil.rmtree(root)
    return BASE_IMAGE


@pytest.fixture(scope="module")
def image(base_image):
    build = subprocess.run(["make", "docker-image", f"BASE_IMAGE={base_image}",
                            f"IMAGE={IMAGE}"], cwd=ROOT, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return IMAGE


@pytest.fixture
def containers():
    names = []
    yield names
    for name in names:
        docker("rm", "--force", name, check=False)


def run_container(containers, *args) -> str:
    name = f"grader-test-{uuid.uuid4().hex[:8]}"
    docker("run", "--detach", "--name", name, *args)
    containers.append(name)
    return name


def test_server_and_offline_worker_containers_grade_submissions(image, containers, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, GRADER_UID, GRADER_UID)
    (tmp_path / "roster.csv").write_text("student\nann\n")
    issued = docker("run", "--rm", "--network", "none", "-v", f"{data}:/data",
                    "-v", f"{tmp_path / 'roster.csv'}:/roster.csv:ro", image,
                    "course", "tokens", "/roster.csv", "--data", "/data").stdout
    token = next(csv.DictReader(io.StringIO(issued)))["token"]

    port = free_port()
    server = run_container(containers, "--network", "host", "-v", f"{data}:/data", image,
                           "course", "serve", "--host", "127.0.0.1", "--port", str(port),
                           "--data", "/data", "--workers", "0")
    # the worker builds the full sandbox (namespaces, a read-only view without /data or
    # the references, a uid per submission): that takes root and CAP_SYS_ADMIN in its
    # container; the student's code itself never runs as root
    worker = run_container(containers, "--network", "none", "--user", "root",
                           "--cap-add", "SYS_ADMIN", "-v", f"{data}:/data", image,
                           "course", "worker", "--data", "/data")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline, docker("logs", server).stderr[-3000:]
            time.sleep(0.5)

    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as ann:
        ids = {}
        for name in ("correct_naive.py", "bug_exp_ratio.py"):
            path = A1 / name
            response = ann.post("/api/submissions", data={"assignment": "a1-activations"},
                                files={"file": (path.name, path.read_bytes())})
            assert response.status_code == 202, response.text
            ids[name] = response.json()["id"]
        results = wait_graded(ann, ids.values(), timeout=300)
    correct, wrong = (results[ids[n]] for n in ("correct_naive.py", "bug_exp_ratio.py"))
    assert (correct["status"], wrong["status"]) == ("done", "done"), (correct, wrong)
    assert correct["score"] == correct["max_score"] == 10.0
    assert wrong["score"] < 10.0
    worker_host = docker("inspect", "--format", "{{.Config.Hostname}}", worker).stdout.strip()
    assert correct["worker"].startswith(worker_host)  # graded in the worker container
    assert {"pid-namespace", "network-namespace", "filesystem-view",
            "unprivileged-user"} <= set(correct["result"]["sandbox"])

    # the worker container has no network at all: only its own loopback, nothing outside
    assert docker("inspect", "--format", "{{.HostConfig.NetworkMode}}", worker
                  ).stdout.strip() == "none"
    probe = ("import os, socket, json; s = socket.socket(); s.settimeout(2)\n"
             f"try:\n    s.connect(('127.0.0.1', {port})); reached = True\n"
             "except OSError:\n    reached = False\n"
             "print(json.dumps({'interfaces': sorted(os.listdir('/sys/class/net')),"
             " 'reached_server': reached, 'uid': os.getuid()}))")
    seen = json.loads(docker("exec", worker, "python3", "-c", probe).stdout)
    assert seen == {"interfaces": ["lo"], "reached_server": False, "uid": 0}
    assert docker("exec", server, "id", "-u").stdout.strip() == str(GRADER_UID)
    assert docker("image", "inspect", "--format", "{{.Config.User}}", image
                  ).stdout.strip() == "grader"
