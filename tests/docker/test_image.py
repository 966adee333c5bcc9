"""The Docker image, end to end with rootful Podman (tests/docker/run builds it first).

The container joins a private network namespace made here, where tests/docker/world.py serves
DNS and a receiver; nothing else is reachable. With the image's example configuration
(docker/stsrelay.toml, only its DNS server and listen addresses changed), the test:
  1. sends a message through the container and sees it arrive at the receiver;
  2. runs the image's HEALTHCHECK and expects "healthy";
  3. queues a message for a domain whose MX does not answer;
  4. stops the container with SIGTERM (`podman stop`) and expects exit status 0;
  5. starts a new container on the same volume and finds the queued message still there, then
     delivers once more through it.
Every wait is bounded; every container, volume, namespace and process is removed at the end.

    tests/docker/test_image.py IMAGE
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from procs import wait_until  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# The flags this machine needs (see the comment in tests/docker/run).
PODMAN = ["podman", "--cgroup-manager=cgroupfs"]
RUN_FLAGS = ["--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def sh(*argv, check=True, timeout=120, input=None):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited with {result.returncode}:\n"
                             f"{result.stdout}{result.stderr}")
    return result


def step(text):
    print(f"docker test: {text}", flush=True)


class ImageTest:
    def __init__(self, image):
        self.image = image
        tag = f"{os.getpid()}"
        self.netns = f"stsrelay-docker-{tag}"
        self.volume = f"stsrelay-docker-state-{tag}"
        self.containers = []
        self.work = tempfile.mkdtemp(prefix="stsrelay-docker-")
        self.spool = os.path.join(self.work, "spool")
        os.makedirs(self.spool)
        self.world = None

    # --- set-up and clean-up ------------------------------------------------------------------

    def set_up(self):
        sh("ip", "netns", "add", self.netns)
        sh("ip", "netns", "exec", self.netns, "ip", "link", "set", "lo", "up")
        self.world = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "/usr/bin/python3", "-B",
             os.path.join(HERE, "world.py"), self.spool],
            stdout=open(os.path.join(self.work, "world.log"), "w"), stderr=subprocess.STDOUT)
        wait_until(lambda: os.path.exists(os.path.join(self.spool, "ready")) or
                   self.world.poll() is not None, 30, what="DNS and receiver in the namespace")
        if self.world.poll() is not None:
            raise AssertionError("world.py exited:\n" + self.file("world.log"))
        # The image's example configuration, pointed at the namespace's DNS server, and listening
        # on 127.0.0.1 only: the container shares the namespace with the receiver on 127.0.0.2:25.
        with open(os.path.join(ROOT, "docker", "stsrelay.toml")) as f:
            config = f.read()
        changes = {"dns_servers = []": 'dns_servers = ["127.0.0.53:53"]',
                   'listen = ["0.0.0.0:25", "0.0.0.0:587"]':
                       'listen = ["127.0.0.1:25", "127.0.0.1:587"]'}
        for old, new in changes.items():
            assert old in config, f"docker/stsrelay.toml changed ({old}): update the test"
            config = config.replace(old, new)
        self.config = os.path.join(self.work, "stsrelay.toml")
        with open(self.config, "w") as f:
            f.write(config)
        sh(*PODMAN, "volume", "create", self.volume)

    def clean_up(self):
        for name in self.containers:
            sh(*PODMAN, "rm", "--force", "--time", "5", name, check=False)
        sh(*PODMAN, "volume", "rm", "--force", self.volume, check=False)
        if self.world is not None and self.world.poll() is None:
            self.world.terminate()
            try:
                self.world.wait(10)
            except subprocess.TimeoutExpired:
                self.world.kill()
                self.world.wait()
        sh("ip", "netns", "delete", self.netns, check=False)
        shutil.rmtree(self.work, ignore_errors=True)

    def file(self, name):
        try:
            with open(os.path.join(self.work, name)) as f:
                return f.read()
        except OSError as e:
            return str(e)

    # --- the container ------------------------------------------------------------------------

    def start_container(self):
        name = f"stsrelay-docker-{os.getpid()}-{len(self.containers) + 1}"
        self.containers.append(name)
        sh(*PODMAN, "run", "--detach", "--name", name, *RUN_FLAGS,
           "--network", f"ns:/run/netns/{self.netns}",
           "--volume", f"{self.volume}:/var/lib/stsrelay",
           "--volume", f"{self.config}:/etc/stsrelay/stsrelay.toml:ro",
           self.image)
        wait_until(lambda: self.smtp_answers() or self.exited(name), 60,
                   what=f"{name} to answer SMTP on 127.0.0.1:25", interval=0.5)
        if self.exited(name):
            raise AssertionError(f"{name} exited:\n{self.logs(name)}")
        return name

    def exited(self, name):
        state = sh(*PODMAN, "inspect", "--format", "{{.State.Status}}", name, check=False)
        return state.stdout.strip() in ("exited", "stopped")

    def logs(self, name):
        r = sh(*PODMAN, "logs", name, check=False)
        return r.stdout + r.stderr

    def smtp_answers(self):
        probe = ("import socket; s = socket.create_connection(('127.0.0.1', 25), 2); "
                 "print(s.recv(512).decode())")
        r = sh("ip", "netns", "exec", self.netns, "/usr/bin/python3", "-c", probe, check=False)
        return r.returncode == 0 and r.stdout.startswith("220")

    def send(self, recipient, subject):
        r = sh("ip", "netns", "exec", self.netns, "swaks", "--silent", "1", "--server",
               "127.0.0.1:25", "--helo", "app.docker.test", "--from", "app@sender.test",
               "--to", recipient, "--header", f"Subject: {subject}", "--body", "docker test",
               check=False, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"swaks to {recipient} failed ({r.returncode}):\n"
                                 f"{r.stdout}{r.stderr}")

    def queue(self, name):
        # No --config: the image's STSRELAY_CONFIG is what an administrator's `docker exec`
        # relies on.
        r = sh(*PODMAN, "exec", name, "stsrelay", "queue", "list", "--json")
        return json.loads(r.stdout)

    def received_subjects(self):
        subjects = []
        for entry in sorted(os.listdir(self.spool)):
            if entry.endswith(".eml"):
                with open(os.path.join(self.spool, entry), "rb") as f:
                    for line in f.read().decode(errors="replace").splitlines():
                        if line.startswith("Subject: "):
                            subjects.append(line[len("Subject: "):])
        return subjects

    # --- the test -----------------------------------------------------------------------------

    def run(self):
        started = time.monotonic()
        step("starting the container in a private network namespace")
        first = self.start_container()

        step("a message through the container reaches the receiver")
        self.send("alice@docker.test", "through the container")
        wait_until(lambda: "through the container" in self.received_subjects(), 60,
                   what="the message at the receiver", interval=0.2)

        step("the HEALTHCHECK says healthy")
        # The check's own start period is 20 s; `healthcheck run` runs it now, at once.
        health = sh(*PODMAN, "healthcheck", "run", first, check=False)
        if health.returncode != 0:
            raise AssertionError(f"healthcheck run: exit {health.returncode} "
                                 f"{health.stdout}{health.stderr}\n{self.logs(first)}")
        direct = sh(*PODMAN, "exec", first, "stsrelay", "health", "--config",
                    "/etc/stsrelay/stsrelay.toml")
        assert direct.stdout.startswith("healthy"), direct.stdout

        step("a message for a domain whose MX does not answer stays queued")
        self.send("bob@down.test", "waits in the queue")

        def queued():
            return [r for m in self.queue(first) for r in m["recipients"]
                    if r["address"] == "bob@down.test" and r["state"] == "deferred"]
        wait_until(queued, 60, what="bob@down.test deferred", interval=0.5)

        step("SIGTERM stops the container cleanly")
        sh(*PODMAN, "stop", "--time", "30", first, timeout=60)
        code = sh(*PODMAN, "inspect", "--format", "{{.State.ExitCode}}", first).stdout.strip()
        if code != "0":
            raise AssertionError(f"exit status {code} after SIGTERM:\n{self.logs(first)}")

        step("a new container on the same volume has the queue intact")
        second = self.start_container()
        recipients = [r for m in self.queue(second) for r in m["recipients"]]
        addresses = [r["address"] for r in recipients]
        assert addresses == ["bob@down.test"], f"queue after restart: {recipients}"
        self.send("carol@docker.test", "after the restart")
        wait_until(lambda: "after the restart" in self.received_subjects(), 60,
                   what="the second message at the receiver", interval=0.2)
        sh(*PODMAN, "stop", "--time", "30", second, timeout=60)
        code = sh(*PODMAN, "inspect", "--format", "{{.State.ExitCode}}", second).stdout.strip()
        assert code == "0", f"second container exit status {code}"
        step(f"passed in {time.monotonic() - started:.0f} s")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    test = ImageTest(sys.argv[1])
    try:
        test.set_up()
        test.run()
        return 0
    except (AssertionError, TimeoutError) as e:
        print(f"docker test: FAILED: {e}", file=sys.stderr)
        for name in test.containers:
            print(f"--- podman logs {name} ---\n{test.logs(name)}", file=sys.stderr)
        print(f"--- world.log ---\n{test.file('world.log')}", file=sys.stderr)
        return 1
    finally:
        test.clean_up()


if __name__ == "__main__":
    sys.exit(main())
